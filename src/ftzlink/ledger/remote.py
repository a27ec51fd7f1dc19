"""Following a log over HTTP, as an outside witness or monitor does: its verifier key, its latest
signed checkpoint and consistency proofs, from the platform's public `/api/v1/ledger/…` routes.
Nothing fetched is trusted: the witness checks signatures and proofs itself."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import httpx

from ftzlink.errors import InvalidInput, NotFound

__all__ = ["LogClient"]

_TIMEOUT = 30.0


@dataclass(frozen=True)
class LogClient:
    """The public ledger routes of the platform at `url` (its base, e.g. http://host:8000)."""

    url: str

    @classmethod
    def at(cls, url: str) -> LogClient:
        base = url.strip().rstrip("/").removesuffix("/api/v1")
        if not base.startswith(("http://", "https://")):
            raise InvalidInput(f"--url {url!r} is not an http:// or https:// address")
        return cls(base)

    def _get(self, path: str, params: dict[str, int] | None = None) -> httpx.Response:
        try:
            response = httpx.get(f"{self.url}/api/v1{path}", params=params, timeout=_TIMEOUT)
        except httpx.HTTPError as error:
            raise NotFound(f"the log at {self.url} cannot be reached: {error}") from None
        if response.status_code == 404:
            raise NotFound(f"{self.url}/api/v1{path}: not found (404)")
        if response.status_code != 200:
            raise NotFound(f"{self.url}/api/v1{path} answered {response.status_code}")
        return response

    def verifier_key(self) -> str:
        vkey = self._get("/ledger/key").json().get("vkey")
        if not isinstance(vkey, str):
            raise NotFound(f"{self.url} gives no verifier key")
        return vkey

    def checkpoint(self) -> str:
        """The latest signed checkpoint, exactly as served."""
        return self._get("/ledger/checkpoint").text

    def consistency(self, old_size: int, tree_size: int) -> list[bytes]:
        data = self._get(
            "/ledger/proofs/consistency", {"old_size": old_size, "tree_size": tree_size}
        ).json()
        try:
            return [base64.b64decode(h, validate=True) for h in data["hashes"]]
        except (KeyError, TypeError, binascii.Error):
            raise NotFound(f"{self.url} gives no readable consistency proof") from None

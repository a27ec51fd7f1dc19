"""Password hashing: Argon2id at full strength, and a cheap profile the test suite asks for.

Hashing one password at full strength takes about a fifth of a second, on purpose; loading the
demo hashes dozens. The test suite sets `FTZLINK_PASSWORD_HASHING=fast` (one pass over 8 KiB),
which makes that instant and guesses just as cheap, so a served platform refuses to start with
it (`refuse_test_profile`). Unset, empty or `standard`: full strength. Any other value is refused.

Verifying reads the parameters from the stored hash, so a hash made under either profile checks
under the other.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ftzlink.errors import InvalidInput, Problem

__all__ = ["ENV", "Profile", "hash_password", "profile", "refuse_test_profile", "verify_password"]

ENV = "FTZLINK_PASSWORD_HASHING"
Profile = Literal["standard", "fast"]

_HASHERS: dict[Profile, PasswordHasher] = {
    "standard": PasswordHasher(),  # argon2-cffi's defaults: RFC 9106's low-memory profile
    "fast": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}


def profile(env: Mapping[str, str] | None = None) -> Profile:
    """The hashing profile the environment asks for (default: standard)."""
    raw = (os.environ if env is None else env).get(ENV, "") or "standard"
    if raw == "standard":
        return "standard"
    if raw == "fast":
        return "fast"
    raise InvalidInput(
        f"{ENV} must be 'standard' (the default) or 'fast' (tests only), not {raw!r}",
        [Problem("standard or fast", field=ENV)],
    )


def refuse_test_profile(env: Mapping[str, str] | None = None) -> None:
    """Refuse to serve with the test suite's cheap hashing: a served platform hashes at full
    strength."""
    if profile(env) == "fast":
        raise InvalidInput(
            f"{ENV}=fast is for the test suite only: a served platform hashes passwords at "
            f"full strength (unset {ENV})",
            [Problem("unset it to serve", field=ENV)],
        )


def hash_password(password: str) -> str:
    return _HASHERS[profile()].hash(password)


@cache
def _dummy_hash(name: Profile) -> str:
    return _HASHERS[name].hash("not a password of anyone")


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash. Without one, a dummy hash of the current
    profile is checked all the same, so that timing does not reveal which usernames exist."""
    name = profile()
    try:
        return _HASHERS[name].verify(stored or _dummy_hash(name), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False

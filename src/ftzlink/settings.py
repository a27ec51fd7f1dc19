"""Configuration, read once from `FTZLINK_*` environment variables and passed in, never global."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["Settings", "default_data_dir"]


def default_data_dir(env: Mapping[str, str]) -> Path:
    """Where the embedded database and uploaded documents live unless told otherwise."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ftzlink"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path
    database_url: str = Field(description="SQLAlchemy URL; SQLite in data_dir unless set")
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    secure_cookies: bool = Field(
        default=False, description="mark session cookies Secure (set it behind HTTPS)"
    )
    session_hours: int = Field(default=8, gt=0)
    login_attempts: int = Field(default=5, gt=0, description="failures allowed per window")
    login_window_seconds: int = Field(default=900, gt=0)
    invitation_check_failures: int = Field(
        default=20,
        gt=0,
        description="codes matching nothing that one client may send to the public invitation "
        "check per window before it is refused for a while",
    )
    invitation_check_window_seconds: int = Field(default=900, gt=0)
    today: dt.date | None = Field(
        default=None,
        description="pretend today is this date (demos and tests); None: the real date",
    )

    ledger_origin: str = Field(
        default="ftzlink.example/ledger",
        pattern=r"^[^\s+]+$",
        description="the ledger's checkpoint origin line and signing key name",
    )
    ledger_key_file: Path | None = Field(
        default=None, description="the ledger's private signing key; data_dir/ledger.key unless set"
    )
    ledger_key: SecretStr | None = Field(
        default=None, description="the ledger's private signing key itself, instead of a file"
    )
    ledger_checkpoint_seconds: int = Field(
        default=300,
        ge=0,
        description="while serving, sign a checkpoint this often if the ledger grew (0: never)",
    )

    outbox_max_age_seconds: int = Field(
        default=3600,
        gt=0,
        description="/readyz fails when a notification has waited longer than this to be sent",
    )
    checkpoint_dir: Path | None = Field(
        default=None,
        description="where each signed checkpoint is published as a file; "
        "data_dir/checkpoints unless set",
    )
    metrics: bool = Field(
        default=False, description="serve Prometheus metrics at /metrics (off by default)"
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="with metrics on, a bearer token that lets a scraper on another host in; "
        "without it only loopback clients are answered",
    )
    log_format: str = Field(
        default="auto",
        pattern=r"^(auto|json|console)$",
        description="json lines, console text, or auto: console when stderr is a terminal",
    )

    @property
    def ledger_key_path(self) -> Path:
        return self.ledger_key_file or self.data_dir / "ledger.key"

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def checkpoints_dir(self) -> Path:
        return self.checkpoint_dir or self.data_dir / "checkpoints"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("FTZLINK_DATA_DIR") or default_data_dir(env))
        url = env.get("FTZLINK_DATABASE_URL") or f"sqlite:///{data_dir / 'ftzlink.db'}"
        values: dict[str, object] = {"data_dir": data_dir, "database_url": url}
        for name in (
            "max_upload_bytes",
            "session_hours",
            "login_attempts",
            "login_window_seconds",
            "invitation_check_failures",
            "invitation_check_window_seconds",
            "ledger_checkpoint_seconds",
            "outbox_max_age_seconds",
        ):
            if raw := env.get(f"FTZLINK_{name.upper()}"):
                values[name] = int(raw)
        if raw := env.get("FTZLINK_TODAY"):
            values["today"] = raw
        for name in (
            "ledger_origin",
            "ledger_key_file",
            "ledger_key",
            "checkpoint_dir",
            "metrics_token",
            "log_format",
        ):
            if raw := env.get(f"FTZLINK_{name.upper()}"):
                values[name] = raw
        if raw := env.get("FTZLINK_METRICS"):
            values["metrics"] = raw.lower() in {"1", "true", "yes", "on"}
        if raw := env.get("FTZLINK_SECURE_COOKIES"):
            values["secure_cookies"] = raw.lower() in {"1", "true", "yes"}
        return cls.model_validate(values)

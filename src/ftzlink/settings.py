"""Configuration, read once from `FTZLINK_*` environment variables and passed in, never global."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails

from ftzlink.errors import InvalidInput

__all__ = ["Settings", "default_data_dir", "today_from_env", "variable"]


def default_data_dir(env: Mapping[str, str]) -> Path:
    """Where the embedded database and uploaded documents live unless told otherwise."""
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ftzlink"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path
    database_url: str = Field(description="SQLAlchemy URL; SQLite in data_dir unless set")
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=2**40)
    secure_cookies: bool = Field(
        default=False, description="mark session cookies Secure (set it behind HTTPS)"
    )
    session_hours: int = Field(default=8, gt=0, le=24 * 366)
    login_attempts: int = Field(
        default=5,
        gt=0,
        le=1000,
        description="wrong passwords for one user from one address before each further attempt "
        "has to wait (2, 4, 8 … seconds, up to login_delay_cap_seconds)",
    )
    login_window_seconds: int = Field(
        default=3600, gt=0, le=366 * 86400, description="how long a wrong password counts"
    )
    login_delay_cap_seconds: int = Field(
        default=900, gt=0, le=86400, description="the longest wait between two sign-in attempts"
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=(),
        description="addresses or networks of reverse proxies whose X-Forwarded-For is believed "
        "(comma-separated in FTZLINK_TRUSTED_PROXIES); none by default",
    )
    invitation_check_failures: int = Field(
        default=20,
        gt=0,
        le=100_000,
        description="codes matching nothing that one client may send to the public invitation "
        "check per window before it is refused for a while",
    )
    invitation_check_window_seconds: int = Field(default=900, gt=0, le=366 * 86400)
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
        le=366 * 86400,
        description="while serving, sign a checkpoint this often if the ledger grew (0: never)",
    )
    ledger_checkpoint_dir: Path | None = Field(
        default=None,
        description="where every signed checkpoint is also written, once, outside the database; "
        "data_dir/checkpoints unless set",
    )

    public_url: str | None = Field(
        default=None,
        description="the site's address as the public reaches it (https://host[/path]), printed "
        "on certificates and in their QR codes; the address each request came to unless set",
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if reason := _public_url_problem(url):
            raise ValueError(reason[0])
        return url.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _usable_url(cls, url: str) -> str:
        if reason := _database_url_problem(url):
            raise ValueError(reason[0])
        return url

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, networks: tuple[str, ...]) -> tuple[str, ...]:
        if reason := _networks_problem(list(networks)):
            raise ValueError(reason[0])
        return networks

    outbox_max_age_seconds: int = Field(
        default=3600,
        gt=0,
        description="/readyz fails when a notification has waited longer than this to be sent",
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

    smtp_url: SecretStr | None = Field(
        default=None,
        description="the SMTP server messages are mailed through: smtp://[user:pass@]host[:port], "
        "smtps:// for TLS, ?starttls=1 for STARTTLS; unset: no e-mail is sent",
    )
    mail_from: str = Field(
        default="ftzlink <noreply@ftzlink.example>",
        max_length=320,
        description="the From address of the platform's e-mail",
    )
    webhook_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="an integrator's URL that receives every message as a signed JSON POST",
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="the HMAC-SHA256 key of the webhook's X-Ftzlink-Signature"
    )
    worker: str = Field(
        default="embedded",
        pattern=r"^(embedded|off)$",
        description="embedded: `ftzlink serve` delivers messages itself; off: a separate "
        "`ftzlink worker` does",
    )
    worker_poll_seconds: int = Field(
        default=5, gt=0, le=3600, description="how often the worker looks for work when idle"
    )
    worker_lease_seconds: int = Field(
        default=300,
        ge=2,
        le=86400,
        description="how long a worker's claim on a delivery lasts; a dead worker's claims are "
        "taken over after it",
    )
    worker_max_attempts: int = Field(
        default=8, gt=0, le=100, description="attempts before a delivery is marked failed"
    )

    @field_validator("smtp_url")
    @classmethod
    def _usable_smtp(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None and (reason := _smtp_url_problem(url.get_secret_value())):
            raise ValueError(reason[0])
        return url

    @field_validator("mail_from")
    @classmethod
    def _usable_from(cls, address: str) -> str:
        if "@" not in parseaddr(address)[1]:
            raise ValueError("not an e-mail address")
        return address

    @property
    def ledger_key_path(self) -> Path:
        return self.ledger_key_file or self.data_dir / "ledger.key"

    @property
    def ledger_checkpoints_path(self) -> Path:
        return self.ledger_checkpoint_dir or self.data_dir / "checkpoints"

    def current_date(self) -> dt.date:
        return self.today or dt.date.today()

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def checkpoints_dir(self) -> Path:
        """Where the signed checkpoints are published (the ledger's checkpoint directory)."""
        return self.ledger_checkpoint_dir or self.data_dir / "checkpoints"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of the environment; a value that cannot be used is refused (`InvalidInput`)
        in one line naming its variable, never ignored and never a traceback."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("FTZLINK_DATA_DIR") or default_data_dir(env))
        url = env.get("FTZLINK_DATABASE_URL") or f"sqlite:///{data_dir / 'ftzlink.db'}"
        values: dict[str, object] = {"data_dir": data_dir, "database_url": url}
        raw: dict[str, str] = {"database_url": url}
        for name in cls.model_fields:
            if name in values:
                continue
            if text := env.get(variable(name)):
                values[name] = raw[name] = text
        problems: dict[str, str] = {}

        def refuse(name: str, reason: tuple[str, str]) -> None:
            problems.setdefault(name, _problem(name, raw[name], reason))
            values.pop(name, None)

        if "secure_cookies" in raw:
            flag = raw["secure_cookies"].strip().lower()
            if flag in _TRUE or flag in _FALSE:
                values["secure_cookies"] = flag in _TRUE
            else:
                refuse("secure_cookies", _NOT_A_FLAG)
        if "today" in raw:
            try:
                values["today"] = dt.date.fromisoformat(raw["today"].strip())
            except ValueError:
                refuse("today", _REASONS["date_parsing"])
        if reason := _database_url_problem(url):
            refuse("database_url", reason)
        if "public_url" in raw and (reason := _public_url_problem(raw["public_url"])):
            refuse("public_url", reason)
        if "trusted_proxies" in raw:
            networks = [part.strip() for part in raw["trusted_proxies"].split(",") if part.strip()]
            values["trusted_proxies"] = networks
            if reason := _networks_problem(networks):
                refuse("trusted_proxies", reason)
        if "smtp_url" in raw and (reason := _smtp_url_problem(raw["smtp_url"])):
            refuse("smtp_url", reason)
        if "mail_from" in raw and "@" not in parseaddr(raw["mail_from"])[1]:
            refuse("mail_from", _NOT_AN_ADDRESS)
        try:
            settings = cls.model_validate(values)
        except ValidationError as error:
            for failure in error.errors():
                name = str(failure["loc"][0]) if failure["loc"] else ""
                if name in raw:
                    refuse(name, _reason(failure))
                else:  # a value that has no variable of its own: named as itself
                    problems.setdefault(name, f"{name}: {failure['msg']}")
        if problems:
            raise InvalidInput("; ".join(problems.values()))
        return settings


def variable(name: str) -> str:
    """The environment variable of a setting."""
    return f"FTZLINK_{name.upper()}"


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_NOT_A_FLAG = (
    "not one of 1/0, true/false, yes/no, on/off",
    "应为 1/0、true/false、yes/no 或 on/off",
)
_REASONS: dict[str, tuple[str, str]] = {
    "int_parsing": ("not a whole number", "不是整数"),
    "int_from_float": ("not a whole number", "不是整数"),
    "date_from_datetime_parsing": (
        "not a date in the form YYYY-MM-DD",
        "不是 YYYY-MM-DD 格式的日期",
    ),
    "date_parsing": ("not a date in the form YYYY-MM-DD", "不是 YYYY-MM-DD 格式的日期"),
    "date_from_datetime_inexact": (
        "not a date in the form YYYY-MM-DD",
        "不是 YYYY-MM-DD 格式的日期",
    ),
    "string_pattern_mismatch": ("not of the allowed form", "格式不符合要求"),
}


def _reason(failure: ErrorDetails) -> tuple[str, str]:
    kind = failure["type"]
    context = failure.get("ctx") or {}
    if kind in _REASONS:
        return _REASONS[kind]
    if kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        bound = next(iter(context.values()), "")
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than_equal": "≤"}[kind]
        return f"must be {sign} {bound}", f"应 {sign} {bound}"
    return failure["msg"], failure["msg"]


def _problem(name: str, value: str, reason: tuple[str, str]) -> str:
    # Bilingual in one line: the settings are read before any --lang option is known. A secret
    # setting's value is never repeated.
    shown = "" if name in _SECRETS else f"={value!r}"
    en, zh = reason
    return f"{variable(name)}{shown}: {en}（设置无效：{zh}）"


_SECRETS = frozenset({"ledger_key", "metrics_token", "smtp_url", "webhook_secret"})
_NOT_AN_ADDRESS = ("not an e-mail address", "不是电子邮件地址")


def _smtp_url_problem(url: str) -> tuple[str, str] | None:
    from urllib.parse import parse_qs, urlsplit

    bad = (
        "not an SMTP URL (smtp://[user:pass@]host[:port][?starttls=1] or smtps://…)",
        "不是 SMTP 地址（smtp://[用户:密码@]主机[:端口][?starttls=1] 或 smtps://…）",
    )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return bad
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return bad
    query = parse_qs(parts.query)
    if set(query) - {"starttls", "timeout"} or query.get("starttls", ["0"])[-1] not in ("0", "1"):
        return bad
    return None


def _database_url_problem(url: str) -> tuple[str, str] | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        return (
            "not a database URL the platform can use (sqlite:///FILE or postgresql+psycopg://…)",
            "不是平台可用的数据库地址（sqlite:///文件 或 postgresql+psycopg://…）",
        )
    return None


def _public_url_problem(url: str) -> tuple[str, str] | None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(ch.isspace() for ch in url)
    ):
        return (
            "not an http(s) address like https://ftzlink.example (no query, no fragment)",
            "不是 http(s) 地址（如 https://ftzlink.example，不带查询参数或片段）",
        )
    return None


def _networks_problem(networks: list[str]) -> tuple[str, str] | None:
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            return (
                f"{network!r} is not an IP address or network",
                f"{network!r} 不是 IP 地址或网段",
            )
    return None


def today_from_env(env: Mapping[str, str] | None = None) -> dt.date:
    """Today, or FTZLINK_TODAY when set (refused in one line when it is not a date)."""
    env = os.environ if env is None else env
    text = env.get("FTZLINK_TODAY")
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_problem("today", text, _REASONS["date_parsing"])) from None

"""The delivery settings are refused in one line naming the variable, secrets not repeated."""

from __future__ import annotations

import pytest

from ftzlink.errors import InvalidInput
from ftzlink.messages.channels import SmtpServer
from ftzlink.settings import Settings


def test_an_smtp_url_with_starttls_and_credentials_is_understood(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "FTZLINK_DATA_DIR": str(tmp_path),
        "FTZLINK_SMTP_URL": "smtp://mailer:s%40cret@mail.example:587?starttls=1",
    }
    settings = Settings.from_env(env)
    assert settings.smtp_url is not None
    server = SmtpServer.from_url(settings.smtp_url.get_secret_value())
    assert (server.host, server.port, server.starttls, server.tls) == (
        "mail.example",
        587,
        True,
        False,
    )
    assert (server.username, server.password) == ("mailer", "s@cret")
    assert SmtpServer.from_url("smtps://mail.example").port == 465


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FTZLINK_SMTP_URL", "http://user:hunter2@mail.example"),
        ("FTZLINK_SMTP_URL", "smtp://user:hunter2@mail.example?starttls=yes"),
        ("FTZLINK_MAIL_FROM", "nobody"),
        ("FTZLINK_WORKER", "sometimes"),
        ("FTZLINK_WEBHOOK_URL", "ftp://hooks.example"),
    ],
)
def test_an_unusable_delivery_setting_is_refused_naming_its_variable(
    tmp_path,
    variable: str,
    value: str,  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        Settings.from_env({"FTZLINK_DATA_DIR": str(tmp_path), variable: value})
    assert variable in str(refused.value)
    assert "hunter2" not in str(refused.value)

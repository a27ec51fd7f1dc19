"""The channels a delivery goes out on: e-mail through an SMTP server (smtplib; TLS or STARTTLS),
and an integrator's webhook (a JSON POST signed with HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from ftzlink.messages.tables import Delivery, Message
from ftzlink.messages.texts import email_text
from ftzlink.settings import Settings
from ftzlink.text import Lang

__all__ = ["DeliveryError", "Mailer", "SmtpServer", "Webhook", "compose"]


class DeliveryError(Exception):
    """A delivery that did not go through; `permanent`: retrying will not help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte
    starttls: bool
    username: str | None
    password: str | None
    timeout: float

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if tls else 25),
            tls=tls,
            starttls=query.get("starttls", ["0"])[-1] == "1",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=float(query.get("timeout", ["30"])[-1]),
        )


# Links in messages start with FTZLINK_PUBLIC_URL; unset, with the embedded default's address.
LOCAL_URL = "http://127.0.0.1:8000"


def compose(message: Message, delivery: Delivery, *, sender: str, public_url: str) -> EmailMessage:
    """The e-mail of a delivery, with its own Message-ID so that a re-sent copy is recognisable."""
    lang: Lang = "en" if message.lang == "en" else "zh"
    base = public_url.rstrip("/")
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = delivery.address
    mail["Subject"] = message.subject
    mail["Message-ID"] = delivery.message_key
    mail["Date"] = format_datetime(message.created_at)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(
        email_text(
            lang=lang,
            body=message.body,
            link_url=f"{base}{message.link}",
            preferences_url=f"{base}/messages/preferences",
        )
    )
    mail["Content-Language"] = "en" if lang == "en" else "zh-CN"  # after set_content, kept
    return mail


class Mailer:
    """One SMTP connection for a batch of e-mails."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_url is not None
        self.server = SmtpServer.from_url(settings.smtp_url.get_secret_value())
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.server
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.tls:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                smtp.starttls(context=context)
        if s.username:
            smtp.login(s.username, s.password or "")
        self._smtp = smtp
        return smtp

    def send(self, message: Message, delivery: Delivery) -> None:
        mail = compose(
            message,
            delivery,
            sender=self.settings.mail_from,
            public_url=self.settings.public_url or LOCAL_URL,
        )
        try:
            refused = self._connect().send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            self._drop()
            raise DeliveryError(f"recipient refused: {error.recipients}", permanent=True) from None
        except smtplib.SMTPResponseException as error:
            self._drop()
            raise DeliveryError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}",
                permanent=500 <= error.smtp_code < 600,
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise DeliveryError(f"SMTP: {error}") from None
        if refused:
            raise DeliveryError(f"recipient refused: {refused}", permanent=True)

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


class Webhook:
    """POSTs each message as JSON; `X-Ftzlink-Signature: sha256=<hex>` is the HMAC-SHA256 of the
    body with the webhook secret, `Idempotency-Key` the delivery's key (the same on a retry)."""

    def __init__(self, settings: Settings) -> None:
        self.secret = (
            settings.webhook_secret.get_secret_value().encode() if settings.webhook_secret else b""
        )
        self.public_url = (settings.public_url or LOCAL_URL).rstrip("/")

    def send(self, message: Message, delivery: Delivery) -> None:
        payload = {
            "id": delivery.message_key,
            "message_id": message.id,
            "user_id": message.user_id,
            "kind": message.kind,
            "object_type": message.object_type,
            "object_id": message.object_id,
            "lang": message.lang,
            "subject": message.subject,
            "body": message.body,
            "link": f"{self.public_url}{message.link}",
            "created_at": message.created_at.isoformat(),
        }
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        signature = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            delivery.address,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Ftzlink-Signature": f"sha256={signature}",
                "Idempotency-Key": delivery.message_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            raise DeliveryError(
                f"webhook HTTP {error.code}",
                permanent=400 <= error.code < 500 and error.code != 429,
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise DeliveryError(f"webhook: {error}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook HTTP {status}")

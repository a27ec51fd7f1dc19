"""Reminders go out on their schedule: a permit that ends within 30 days is reminded to the
employer once, by message and e-mail, however often the worker runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from ftzlink.db import Database
from ftzlink.messages.reminders import permit_expiry
from ftzlink.messages.tables import Message, MessageKind
from ftzlink.messages.worker import Worker
from ftzlink.settings import Settings
from ftzlink.talent.tables import Track
from tests.messages.smtp import SmtpServer


def test_a_permit_ending_within_thirty_days_is_reminded_once_by_message_and_email(
    demo_database: Database, smtp: SmtpServer, tmp_path: Path
) -> None:
    db = demo_database
    with db.read() as session:
        ends = session.scalar(
            select(Track.valid_until).where(Track.state == "approved").order_by(Track.id)
        )
    assert ends is not None
    with db.write() as session:
        assert permit_expiry(session, today=ends - dt.timedelta(days=31)) == []

    day = ends - dt.timedelta(days=10)
    settings = Settings(
        data_dir=tmp_path / "w",
        database_url=db.url,
        smtp_url=smtp.url,  # type: ignore[arg-type]
        today=day,
    )
    Worker(db=db, settings=settings).run_once()
    Worker(db=db, settings=settings).run_once()  # another day's pass: nothing new
    with db.read() as session:
        reminders = session.scalars(
            select(Message).where(Message.kind == MessageKind.PERMIT_EXPIRING)
        ).all()
    assert reminders and all(ends.isoformat() in m.subject for m in reminders)
    keys = [m.dedupe_key for m in reminders]
    assert len(keys) == len(set(keys))
    mailed = [m for _, m in smtp.inbox.mails if ends.isoformat() in m["Subject"]]
    assert len(mailed) == len(reminders)
    with db.write() as session:
        assert permit_expiry(session, today=day) == []

"""Events become messages: the audit log is the one place every domain event passes, so the log
calls `record(session, entry)` for each entry it appends, in the same transaction. A table maps an
audit action to a kind of message and a resolver that finds the object, its recipients and the
words that fill the message; actions not in the table make no message.

Nothing here changes the domains: resolvers only read what the event's own transaction wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ftzlink.audit.tables import AuditEntry
from ftzlink.auth.tables import ORGANISATION_ROLES, RoleAssignment, User
from ftzlink.db import utcnow
from ftzlink.messages.tables import Message, MessageKind
from ftzlink.messages.texts import render, word
from ftzlink.text import Lang

__all__ = ["ACTIONS", "Event", "organisation_users", "record", "send_event"]


@dataclass(frozen=True)
class Event:
    """What a resolver found: who is told, where they act, and the words of the message."""

    kind: MessageKind
    object_type: str
    object_id: str
    link: str
    recipients: list[User]
    values: Callable[[Lang], dict[str, Any]]


Resolver = Callable[[Session, AuditEntry], Event | None]


def organisation_users(session: Session, organisation_id: int) -> list[User]:
    """The active users who act for an organisation (its members and administrators)."""
    return list(
        session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.organisation_id == organisation_id,
                RoleAssignment.role.in_([r.value for r in ORGANISATION_ROLES]),
                User.active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def _reasons(entry: AuditEntry, lang: Lang) -> str:
    return entry.detail or word("none", lang)


def _foreign_reasons(entry: AuditEntry, lang: Lang) -> str:
    """A foreign filing's reasons with each material named, never by its code."""
    from ftzlink.foreign.models import bundled_foreign_rules

    if not entry.detail:
        return word("none", lang)
    names = {m.code: (m.zh if lang == "zh" else m.en) for m in bundled_foreign_rules().materials}
    missing = "缺少：" if lang == "zh" else "missing: "
    parts = []
    for part in entry.detail.replace(", ", "; ").split("; "):
        code = part.removeprefix("missing:")
        name = names.get(code)
        parts.append(part if name is None else (missing + name if part != code else name))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _measure_title(measure_id: str, lang: Lang) -> str:
    from ftzlink.catalogue.loader import bundled_catalogue

    for _policy, measure in bundled_catalogue().measures():
        if measure.id == measure_id:
            return measure.title.get(lang)
    return measure_id


def _application(kind: MessageKind) -> Resolver:
    def resolve(session: Session, entry: AuditEntry) -> Event | None:
        from ftzlink.applications.tables import Application

        app = session.get(Application, int(entry.object_id))
        if app is None:
            return None
        return Event(
            kind=kind,
            object_type="application",
            object_id=str(app.id),
            link=f"/applications/{app.id}",
            recipients=organisation_users(session, app.organisation_id),
            values=lambda lang: {
                "reference": app.reference,
                "measure": _measure_title(app.measure_id, lang),
                "amount": f"{app.approved_amount or 0:,}",
                "reasons": _reasons(entry, lang),
            },
        )

    return resolve


def _offer(session: Session, entry: AuditEntry) -> Event | None:
    from ftzlink.proactive.tables import Notification

    note = session.get(Notification, int(entry.object_id))
    if note is None:
        return None
    return Event(
        kind=MessageKind.OFFER,
        object_type="notification",
        object_id=str(note.id),
        link="/proactive/offers",
        recipients=organisation_users(session, note.organisation_id),
        values=lambda lang: {"subject": note.subject[lang], "body": note.body[lang]},
    )


def _talent(kind: MessageKind, outcome: str | None = None) -> Resolver:
    def resolve(session: Session, entry: AuditEntry) -> Event | None:
        from ftzlink.talent.tables import Case, CaseEvent

        case = session.get(Case, int(entry.object_id))
        if case is None:
            return None
        last = session.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
        )
        track = last.track if last is not None and last.track else "work_permit"
        return Event(
            kind=kind,
            object_type="talent_case",
            object_id=str(case.id),
            link=f"/talent/cases/{case.id}",
            recipients=organisation_users(session, case.employer_id),
            values=lambda lang: {
                "reference": case.reference,
                "track": word(track, lang),
                "outcome": word(outcome or "", lang),
                "reasons": _reasons(entry, lang),
            },
        )

    return resolve


def _filing_returned(session: Session, entry: AuditEntry) -> Event | None:
    from ftzlink.dataflow.tables import Filing

    filing = session.get(Filing, int(entry.object_id))
    if filing is None:
        return None
    return Event(
        kind=MessageKind.FILING_RETURNED,
        object_type="dataflow_filing",
        object_id=str(filing.id),
        link=f"/dataflow/filings/{filing.id}",
        recipients=organisation_users(session, filing.organisation_id),
        values=lambda lang: {
            "reference": filing.reference,
            "title": filing.title,
            "reasons": _reasons(entry, lang),
        },
    )


def _dataflow_reminder(session: Session, entry: AuditEntry) -> Event | None:
    from ftzlink.dataflow.tables import Registration, Reminder

    registration = session.get(Registration, int(entry.object_id))
    reminder = session.scalar(
        select(Reminder)
        .where(Reminder.registration_id == int(entry.object_id))
        .order_by(Reminder.id.desc())
    )
    if registration is None or reminder is None:
        return None
    return Event(
        kind=MessageKind.DATAFLOW_REMINDER,
        object_type="dataflow_registration",
        object_id=str(registration.id),
        link=f"/dataflow/registrations/{registration.id}",
        recipients=organisation_users(session, reminder.organisation_id),
        values=lambda lang: {
            "reference": registration.number,
            "expires_on": reminder.expires_on.isoformat(),
            "opens_on": reminder.window_opens_on.isoformat(),
        },
    )


def _role_users(session: Session, role: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == role, User.active.is_(True))
            .distinct()
            .order_by(User.id)
        )
    )


def _foreign_filing(kind: MessageKind, outcome: str | None = None) -> Resolver:
    """A representative office's filing: filed or answered → the registrars; returned, approved
    or rejected → the users of the organisation that filed it."""

    def resolve(session: Session, entry: AuditEntry) -> Event | None:
        from ftzlink.auth.tables import Role
        from ftzlink.foreign.tables import ForeignFiling
        from ftzlink.organisations.tables import Organisation

        filing = session.get(ForeignFiling, int(entry.object_id))
        if filing is None:
            return None
        if kind is MessageKind.FOREIGN_FILING_SUBMITTED:
            recipients = _role_users(session, Role.REGISTRAR.value)
        else:
            recipients = organisation_users(session, filing.organisation_id)
        org = session.get(Organisation, filing.organisation_id)
        office = str(filing.particulars.get("name") or "")
        if not office and filing.office_id is not None:
            from ftzlink.foreign.tables import Office

            found = session.get(Office, filing.office_id)
            office = found.name if found is not None else ""
        return Event(
            kind=kind,
            object_type="foreign_filing",
            object_id=str(filing.id),
            link=f"/foreign/filings/{filing.id}",
            recipients=recipients,
            values=lambda lang: {
                "reference": filing.reference,
                "kind": word(filing.kind, lang),
                "office": office,
                "organisation": org.name_in(lang) if org is not None else "",
                "due": filing.decision_due.isoformat() if filing.decision_due else "—",
                "outcome": word(outcome or "", lang),
                "reasons": _foreign_reasons(entry, lang),
            },
        )

    return resolve


def _foreign_office(kind: MessageKind, what: str) -> Resolver:
    """The annual-report cycle's events on an office (`foreign.service.EVENTS`): the office's
    organisation is told, with the deadline."""

    def resolve(session: Session, entry: AuditEntry) -> Event | None:
        from ftzlink.foreign.tables import Correction, Office, OfficeReminder

        office = session.get(Office, int(entry.object_id))
        if office is None:
            return None
        row: OfficeReminder | Correction | None
        if kind is MessageKind.FOREIGN_REMINDER:
            row = session.scalar(
                select(OfficeReminder)
                .where(
                    OfficeReminder.office_id == office.id,
                    OfficeReminder.kind == what.removesuffix("_reminder"),
                )
                .order_by(OfficeReminder.id.desc())
            )
        else:
            row = session.scalar(
                select(Correction)
                .where(Correction.office_id == office.id)
                .order_by(Correction.id.desc())
            )
        if row is None:
            return None
        due, year = row.due_on.isoformat(), row.year
        return Event(
            kind=kind,
            object_type="foreign_office",
            object_id=str(office.id),
            link=f"/foreign/offices/{office.id}",
            recipients=organisation_users(session, office.organisation_id),
            values=lambda lang: {
                "office": office.name,
                "reference": office.reference,
                "what": word(what, lang).format(due=due),
                "due": due,
                "year": year,
            },
        )

    return resolve


def _foreign_events() -> dict[str, Resolver]:
    from ftzlink.foreign.service import EVENTS

    kinds = {
        "annual_report_reminder": MessageKind.FOREIGN_REMINDER,
        "term_end_reminder": MessageKind.FOREIGN_REMINDER,
        "correction_opened": MessageKind.FOREIGN_CORRECTION,
        "correction_closed": MessageKind.FOREIGN_CORRECTION,
    }
    return {action: _foreign_office(kinds[name], name) for name, action in EVENTS.items()}


ACTIONS: dict[str, Resolver] = {
    "application.return": _application(MessageKind.APPLICATION_RETURNED),
    "application.approve": _application(MessageKind.APPLICATION_APPROVED),
    "application.reject": _application(MessageKind.APPLICATION_REJECTED),
    "notification.create": _offer,
    "talent_case.return": _talent(MessageKind.TALENT_RETURNED),
    "talent_case.approve": _talent(MessageKind.TALENT_DECIDED, "approved"),
    "talent_case.refuse": _talent(MessageKind.TALENT_DECIDED, "refused"),
    "dataflow_filing.return": _filing_returned,
    "dataflow_reminder.create": _dataflow_reminder,
    "foreign.filing.file": _foreign_filing(MessageKind.FOREIGN_FILING_SUBMITTED),
    "foreign.filing.answer": _foreign_filing(MessageKind.FOREIGN_FILING_SUBMITTED),
    "foreign.filing.return": _foreign_filing(MessageKind.FOREIGN_FILING_RETURNED),
    "foreign.filing.approve": _foreign_filing(MessageKind.FOREIGN_FILING_DECIDED, "approved"),
    "foreign.filing.reject": _foreign_filing(MessageKind.FOREIGN_FILING_DECIDED, "rejected"),
    **_foreign_events(),
}


def send_event(
    session: Session, event: Event, *, key: str, audit_seq: int | None = None
) -> list[Message]:
    """Write `event`'s message to each recipient, in the recipient's language; `key` makes it
    once per recipient however often it is sent."""
    made = []
    for user in event.recipients:
        dedupe_key = f"{key}:{user.id}"
        if session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key)):
            continue
        lang: Lang = "en" if user.language == "en" else "zh"
        text = render(event.kind, lang, event.values(lang))
        message = Message(
            user_id=user.id,
            kind=event.kind.value,
            object_type=event.object_type,
            object_id=event.object_id,
            audit_seq=audit_seq,
            dedupe_key=dedupe_key,
            lang=lang,
            subject=text.subject,
            body=text.body,
            link=event.link,
            created_at=utcnow(),
        )
        session.add(message)
        made.append(message)
    session.flush()
    return made


def record(session: Session, entry: AuditEntry) -> list[Message]:
    """The messages an audit entry makes (none for most actions). Called by the audit log."""
    resolver = ACTIONS.get(entry.action)
    if resolver is None:
        return []
    event = resolver(session, entry)
    if event is None or not event.recipients:
        return []
    return send_event(session, event, key=f"audit:{entry.seq}", audit_seq=entry.seq)

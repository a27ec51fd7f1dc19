"""`invitations_app`: the registry of inviting units and electronic port visa invitations from
the command line.

Every change is made as a named user (`--as USERNAME`) through the same services and permission
checks as the API, so the audit log names that user; `verify` needs nobody, like the public
check page. Mounted as `ftzlink talent invitations …` by the talent command group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from ftzlink.cli.database import open_database
from ftzlink.cli.output import (
    FormatOption,
    LangOption,
    OutputFormat,
    UILang,
    console,
    lang_of,
    print_json_data,
)
from ftzlink.errors import Conflict, InvalidInput, NotFound, Problem
from ftzlink.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ftzlink.auth.principal import Principal
    from ftzlink.talent.invitation_tables import InvitingUnit
    from ftzlink.text import Lang

__all__ = ["invitations_app"]

invitations_app = typer.Typer(
    help="Electronic port visas: the registry of inviting units, invitations, checking a code.",
    no_args_is_help=True,
)

AsOption = typer.Option(
    ..., "--as", metavar="USERNAME", help="Act as this user (their roles decide what is allowed)."
)


def _day(value: str | None, option: str, lang: Lang) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        if lang == "en":
            message, why = f"invalid {option}", f"{value!r} is not a date YYYY-MM-DD"
        else:
            message, why = f"{option} 无效", f"{value!r} 不是 YYYY-MM-DD 格式的日期"
        raise InvalidInput(message, [Problem(why, field=option)]) from None


def _principal(session: Session, username: str, lang: Lang = "en") -> Principal:
    """The active user acting; the other command groups, which do not pass `lang`, keep English."""
    from sqlalchemy import select

    from ftzlink.auth import service as auth
    from ftzlink.auth.tables import User

    user = session.scalar(select(User).where(User.username == username, User.active))
    if user is None:
        raise NotFound(f"no user {username!r}" if lang == "en" else f"没有用户 {username!r}")
    return auth.principal_for(user)


def _organisation_id(session: Session, uscc: str, lang: Lang) -> int:
    from sqlalchemy import select

    from ftzlink.organisations.tables import Organisation

    found = session.scalar(select(Organisation.id).where(Organisation.uscc == uscc))
    if found is None:
        raise NotFound(
            f"no organisation with credit code {uscc} is registered"
            if lang == "en"
            else f"没有统一社会信用代码为 {uscc} 的已登记机构"
        )
    return found


# A registration's status in Chinese; English shows the stored value, as the JSON does.
_STATUS_ZH = {"pending": "待审批", "approved": "已批准", "refused": "已拒绝", "revoked": "已撤销"}


def _status(status: str, lang: Lang) -> str:
    return status if lang == "en" else _STATUS_ZH.get(status, status)


@contextmanager
def _write(username: str, lang: Lang) -> Iterator[tuple[Session, Principal, dt.date]]:
    settings = Settings.from_env()
    with open_database(settings, lang=lang) as db, db.write() as session:
        yield session, _principal(session, username, lang), settings.current_date()


def _unit_row(unit: InvitingUnit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "organisation_id": unit.organisation_id,
        "status": unit.status,
        "contact_name": unit.contact_name,
        "approved_on": unit.approved_on and unit.approved_on.isoformat(),
        "valid_until": unit.valid_until and unit.valid_until.isoformat(),
        "revoked_on": unit.revoked_on and unit.revoked_on.isoformat(),
        "reason": unit.revocation_reason or unit.refusal_reason,
    }


def _print_unit(unit: InvitingUnit, format: OutputFormat, lang: Lang) -> None:
    row = _unit_row(unit)
    if format is OutputFormat.json:
        print_json_data(row)
        return
    period = f" {row['approved_on']} – {row['valid_until']}" if row["approved_on"] else ""
    status = _status(unit.status, lang)
    console.print(
        f"inviting unit {unit.id}: {status}{period}"
        if lang == "en"
        else f"邀请单位 {unit.id}：{status}{period}",
        markup=False,
    )


@invitations_app.command("units")
def units(
    username: str = AsOption,
    status: str | None = typer.Option(
        None, "--status", help="pending, approved, refused or revoked"
    ),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """List the inviting units the user may see (an exit-entry officer sees them all)."""
    from ftzlink.organisations.tables import Organisation
    from ftzlink.talent import invitations as service

    lang = lang_of(ui_lang)
    settings = Settings.from_env()
    with open_database(settings, lang=lang) as db, db.read() as session:
        principal = _principal(session, username, lang)
        rows, _ = service.list_units(session, principal=principal, status=status, limit=200)
        names = {o.id: o.name for o in session.query(Organisation).all()}
        data = [_unit_row(u) | {"organisation": names.get(u.organisation_id)} for u in rows]
    if format is OutputFormat.json:
        print_json_data(data)
        return
    en = lang == "en"
    table = Table(title="inviting units" if en else "邀请单位")
    columns = (
        ("id", "organisation", "status", "valid", "reason")
        if en
        else ("编号", "单位", "状态", "有效期", "理由")
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in data:
        valid = f"{row['approved_on']} – {row['valid_until']}" if row["approved_on"] else ""
        status = _status(row["status"], lang)
        table.add_row(str(row["id"]), row["organisation"], status, valid, row["reason"] or "")
    console.print(table)


@invitations_app.command("apply")
def apply(
    organisation: str = typer.Argument(..., metavar="USCC", help="The organisation's credit code."),
    username: str = AsOption,
    contact_name: str = typer.Option(..., "--contact-name"),
    contact_phone: str = typer.Option(..., "--contact-phone"),
    statement: str = typer.Option(
        ..., "--statement", help="Why the organisation invites foreign guests."
    ),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Apply for the organisation to become an inviting unit (as one of its members)."""
    from ftzlink.talent import invitations as service

    lang = lang_of(ui_lang)
    with _write(username, lang) as (session, principal, today):
        unit = service.apply(
            session,
            principal=principal,
            organisation_id=_organisation_id(session, organisation, lang),
            contact_name=contact_name,
            contact_phone=contact_phone,
            statement=statement,
            today=today,
        )
        _print_unit(unit, format, lang)


@invitations_app.command("approve")
def approve(
    unit_id: int = typer.Argument(..., help="The inviting unit's id (see `units`)."),
    username: str = AsOption,
    valid_until: str = typer.Option(..., "--valid-until", help="Last day it may invite."),
    approved_on: str | None = typer.Option(None, "--approved-on", help="Default: today."),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Approve a pending registration (as an exit-entry officer)."""
    from ftzlink.talent import invitations as service

    lang = lang_of(ui_lang)
    until = _day(valid_until, "--valid-until", lang)
    assert until is not None
    with _write(username, lang) as (session, principal, today):
        unit = service.approve(
            session,
            principal=principal,
            unit_id=unit_id,
            valid_until=until,
            approved_on=_day(approved_on, "--approved-on", lang),
            today=today,
        )
        _print_unit(unit, format, lang)


@invitations_app.command("refuse")
def refuse(
    unit_id: int = typer.Argument(...),
    username: str = AsOption,
    reason: str = typer.Option(..., "--reason"),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Refuse a pending registration (as an exit-entry officer)."""
    from ftzlink.talent import invitations as service

    lang = lang_of(ui_lang)
    with _write(username, lang) as (session, principal, today):
        unit = service.refuse(
            session, principal=principal, unit_id=unit_id, reason=reason, today=today
        )
        _print_unit(unit, format, lang)


@invitations_app.command("revoke")
def revoke(
    unit_id: int = typer.Argument(...),
    username: str = AsOption,
    reason: str = typer.Option(..., "--reason"),
    revoked_on: str | None = typer.Option(None, "--revoked-on", help="Default: today."),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Revoke an approved registration (as an exit-entry officer)."""
    from ftzlink.talent import invitations as service

    lang = lang_of(ui_lang)
    with _write(username, lang) as (session, principal, today):
        unit = service.revoke(
            session,
            principal=principal,
            unit_id=unit_id,
            reason=reason,
            revoked_on=_day(revoked_on, "--revoked-on", lang),
            today=today,
        )
        _print_unit(unit, format, lang)


@invitations_app.command("invite")
def invite(
    organisation: str = typer.Argument(..., metavar="USCC", help="The inviting organisation."),
    username: str = AsOption,
    name: str = typer.Option(..., "--name", help="The invitee's name as in the passport."),
    nationality: str = typer.Option(..., "--nationality", help="ISO 3166-1 alpha-2, e.g. DE."),
    passport: str = typer.Option(..., "--passport", help="Passport number."),
    born: str = typer.Option(..., "--born", help="Date of birth, YYYY-MM-DD."),
    activity: str = typer.Option(..., "--activity", help="research, exchange or commercial."),
    visa_type: str = typer.Option(..., "--visa-type", help="F, M, R, Z or S2."),
    entry: str = typer.Option(..., "--entry", help="Planned entry, within 15 days of today."),
    purpose: str = typer.Option(..., "--purpose", help="What the invitee comes to do."),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Issue an invitation; prints its verification code, once.

    Refused, exit code 1, when the organisation is not an approved inviting unit today, with the
    reason (not registered, pending, revoked, expired).
    """
    from ftzlink.talent import invitations as service

    lang = lang_of(ui_lang)
    born_on, entry_on = _day(born, "--born", lang), _day(entry, "--entry", lang)
    assert born_on is not None and entry_on is not None
    with _write(username, lang) as (session, principal, today):
        issued = service.issue(
            session,
            principal=principal,
            organisation_id=_organisation_id(session, organisation, lang),
            invitee_name=name,
            nationality=nationality,
            passport_number=passport,
            date_of_birth=born_on,
            activity=activity,
            purpose=purpose,
            visa_type=visa_type.upper(),
            planned_entry_on=entry_on,
            today=today,
        )
        inv, code = issued.invitation, service.format_code(issued.code)
        data = {
            "id": inv.id,
            "reference": inv.reference,
            "issued_on": inv.issued_on.isoformat(),
            "enter_by": inv.enter_by.isoformat(),
            "entries": inv.entries,
            "max_stay_days": inv.max_stay_days,
            "verification_code": code,
        }
    if format is OutputFormat.json:
        print_json_data(data)
        return
    console.print(
        f"invitation {data['reference']} issued {data['issued_on']}: single entry by "
        f"{data['enter_by']}, stay up to {data['max_stay_days']} days\n"
        f"verification code (shown once): {code}"
        if ui_lang is UILang.en
        else f"邀请函 {data['reference']} 已于 {data['issued_on']} 签发：一次入境，须在 "
        f"{data['enter_by']} 前入境，停留不超过 {data['max_stay_days']} 日\n"
        f"核验码（仅显示这一次）：{code}",
        markup=False,
    )


@invitations_app.command("verify")
def verify(
    code: str = typer.Argument(..., help="The code printed on the invitation letter."),
    format: OutputFormat = FormatOption,
    ui_lang: UILang = LangOption,
) -> None:
    """Check an invitation by its code, as anyone may. Exit 0 if genuine; 1 if not."""
    from ftzlink.talent import invitations as service
    from ftzlink.talent.privacy import mask_passport

    en = ui_lang is UILang.en
    settings = Settings.from_env()
    with open_database(settings, lang=lang_of(ui_lang)) as db, db.read() as session:
        check = service.verify(session, code=code, today=settings.current_date())
        data: dict[str, Any] | None = None
        if check is not None:
            inv = check.invitation
            data = {
                "reference": inv.reference,
                "inviter": check.organisation.name,
                "invitee_name": inv.invitee_name,
                "passport_number": mask_passport(inv.passport_number),
                "visa_type": inv.visa_type,
                "enter_by": inv.enter_by.isoformat(),
                "max_stay_days": inv.max_stay_days,
                "within_entry_period": check.within_entry_period,
                "inviter_revoked_on": check.inviter_revoked_on
                and check.inviter_revoked_on.isoformat(),
            }
    if format is OutputFormat.json:
        print_json_data({"genuine": data is not None, "invitation": data})
    elif data is not None and en:
        lines = [
            f"genuine: {data['reference']} from {data['inviter']} for {data['invitee_name']} "
            f"(passport {data['passport_number']}), visa {data['visa_type']}, "
            f"enter by {data['enter_by']}, stay up to {data['max_stay_days']} days"
        ]
        if not data["within_entry_period"]:
            lines.append("the entry period has passed")
        if data["inviter_revoked_on"]:
            lines.append(
                f"the inviter's registration was revoked on {data['inviter_revoked_on']}, "
                "after the invitation was issued"
            )
        console.print("\n".join(lines), markup=False)
    elif data is not None:
        lines = [
            f"真实有效：邀请函 {data['reference']}，邀请单位 {data['inviter']}，"
            f"被邀请人 {data['invitee_name']}（护照 {data['passport_number']}），"
            f"签证 {data['visa_type']}，须在 {data['enter_by']} 前入境，"
            f"停留不超过 {data['max_stay_days']} 日"
        ]
        if not data["within_entry_period"]:
            lines.append("入境期限已过")
        if data["inviter_revoked_on"]:
            lines.append(
                f"邀请单位的登记已于 {data['inviter_revoked_on']} 撤销（在邀请函签发之后）"
            )
        console.print("\n".join(lines), markup=False)
    if data is None:
        raise Conflict(
            "not found: no genuine invitation has this code"
            if en
            else "未找到：没有与此核验码对应的真实邀请函"
        )

"""`ftzlink talent …` as an operator, an official and an employer use it: the rules without a
database, and the demo's cases in the database, decided track by track."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ftzlink.db import Database
from tests.conftest import Run
from tests.workdays import YEAR_2027

CLI = Callable[..., Run]


@pytest.fixture
def demo_db(database: Database, cli: CLI, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("FTZLINK_DATABASE_URL", database.url)
    monkeypatch.setenv("FTZLINK_TODAY", "2026-11-02")
    assert cli("demo", "load").code == 0
    return database


def _reference(cli: CLI, name: str) -> str:
    rows = json.loads(cli("talent", "cases", "--as", "auditor", "--format", "json").out)
    return str(next(r["reference"] for r in rows if r["professional"] == name))


def test_points_are_indicative_and_cited(cli: CLI, tmp_path: Path) -> None:
    facts = tmp_path / "anna.yaml"
    facts.write_text(
        "annual_salary_yuan: 1200000\neducation: doctorate\nexperience_years: 12\n"
        "months_in_china_per_year: 12\nchinese_level: hsk4\nregion: shanghai\n"
        "birth_date: 1988-04-12\ndistinctions: {patent_or_ip: true}\n",
        encoding="utf-8",
    )
    run = cli("talent", "points", str(facts), "--as-of", "2026-11-02", "--lang", "en")
    assert run.code == 0, run.err
    assert "not a decision" in run.out and "category (indicative): A" in run.out
    assert "work-permit-classification-2017" in run.out
    report = json.loads(cli("talent", "points", str(facts), "--format", "json").out)
    assert report["indicative"] is True and report["category"] == "A"


def test_a_malformed_fact_is_bad_input(cli: CLI, tmp_path: Path) -> None:
    facts = tmp_path / "bad.yaml"
    facts.write_text("education: astronaut\n", encoding="utf-8")
    run = cli("talent", "points", str(facts))
    assert run.code == 2 and "education" in run.err


def test_residence_limit_never_beyond_the_work_permit(cli: CLI, tmp_path: Path) -> None:
    facts = tmp_path / "case.yaml"
    facts.write_text("works_in_lingang: true\n", encoding="utf-8")
    run = cli(
        "talent", "residence", str(facts), "--start", "2026-11-09",
        "--work-permit-until", "2028-11-08", "--lang", "en",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "last valid day at the latest: 2028-11-08" in run.out
    assert "Never beyond the work permit's end: 2028-11-08" in run.out
    as_json = cli(
        "talent", "residence", str(facts), "--start", "2026-11-09",
        "--work-permit-until", "2028-11-08", "--format", "json",
    )  # fmt: skip
    assert as_json.code == 0, as_json.err
    shown = json.loads(as_json.out)
    assert shown["end"] == "2028-11-08"  # the same last valid day as the table
    assert any(r["text"]["en"].endswith(": 2028-11-08") for r in shown["reasons"])
    short = cli(
        "talent", "residence", str(facts), "--start", "2026-11-09",
        "--work-permit-until", "2026-12-31",
    )  # fmt: skip
    assert short.code == 1 and "refused" in short.out


def test_deadlines_in_working_days_and_the_calendar_edge(cli: CLI) -> None:
    run = cli(
        "talent", "deadline", "--from", "2026-09-28", "--track", "work-permit", "--category", "A",
        "--lang", "en",
    )  # fmt: skip
    assert run.code == 0 and "due 2026-10-10" in run.out  # across National Day; Sat 10 Oct works
    before = cli("talent", "deadline", "--from", "2024-12-20", "--track", "residence")
    assert before.code == 2 and "2025" in before.err and "Traceback" not in before.err


def test_a_deadline_into_2027_is_provisional_until_the_2027_schedule_is_added(
    cli: CLI, demo_db: Database
) -> None:
    args = ("talent", "deadline", "--from", "2026-12-21", "--track", "work-permit")
    run = cli(*args, "--format", "json")
    assert run.code == 0, run.err
    provisional = json.loads(run.out)
    assert provisional["provisional"] is True and provisional["provisional_years"] == [2027]
    assert {"day": "2027-01-01", "holiday": {"zh": "元旦", "en": "New Year's Day"}} in (
        provisional["holidays_counted"]
    )
    assert provisional["due_on"] == "2027-01-05"
    table = cli(*args)
    assert "暂定" in table.out and "2027年的正式节假日安排尚未载入" in table.out
    added = cli("calendar", "add", str(YEAR_2027), "--as", "admin", "--format", "json")
    assert added.code == 0, added.err
    assert json.loads(added.out)["action"] == "added"
    official = json.loads(cli(*args, "--format", "json").out)
    assert official["provisional"] is False and official["provisional_years"] == []
    # The loaded schedule has 1–4 January off: one more day off to step over.
    assert official["due_on"] == "2027-01-06"
    assert [s["origin"] for s in official["schedules"]] == ["bundled", "loaded"]
    again = cli("calendar", "add", str(YEAR_2027), "--as", "admin")
    assert again.code == 0 and "未作改动" in again.out
    listed = json.loads(cli("calendar", "list", "--format", "json").out)
    assert [(y["year"], y["provisional"]) for y in listed["years"]][:3] == [
        (2025, False),
        (2026, False),
        (2027, False),
    ]
    not_admin = cli("calendar", "add", str(YEAR_2027), "--as", "auditor", "--replace")
    assert not_admin.code == 1 and "platform admin" in not_admin.err


def test_calendar_validate_reports_every_broken_file_with_its_line(
    cli: CLI, tmp_path: Path
) -> None:
    good = YEAR_2027.read_text(encoding="utf-8")
    first = tmp_path / "2027.yaml"
    first.write_text(good.replace("[2027-02-20]", "[2027-02-18]"), encoding="utf-8")
    second = tmp_path / "2028.yaml"
    second.write_text("year: 2028\nnotice: {}\nholidays: []\n", encoding="utf-8")
    run = cli("calendar", "validate", str(first), str(second))
    assert run.code == 2 and "Traceback" not in run.err
    line = next(i for i, t in enumerate(good.splitlines(), 1) if "2027-02-20" in t)
    assert f"{first}:{line}:" in run.err and "Saturday or a Sunday" in run.err
    assert f"{second}:" in run.err
    ok = cli("calendar", "validate", str(YEAR_2027), "--lang", "en")
    assert ok.code == 0 and "2027: valid" in ok.out


def test_officials_decide_their_own_track_from_the_command_line(
    cli: CLI, demo_db: Database
) -> None:
    reference = _reference(cli, "Chinedu Okafor")
    wrong = cli("talent", "accept", reference, "--track", "residence", "--as", "work-permits")
    assert wrong.code == 1 and "exit-entry officer" in wrong.err
    assert (
        cli("talent", "accept", reference, "--track", "work-permit", "--as", "work-permits").code
        == 0
    )
    approved = cli(
        "talent", "approve", reference, "--track", "work-permit", "--from", "2026-11-09",
        "--until", "2028-11-08", "--as", "work-permits",
    )  # fmt: skip
    assert approved.code == 0, approved.err
    assert (
        cli("talent", "accept", reference, "--track", "residence", "--as", "exit-entry").code == 0
    )
    too_long = cli(
        "talent", "approve", reference, "--track", "residence", "--from", "2026-11-09",
        "--until", "2028-11-09", "--as", "exit-entry",
    )  # fmt: skip
    assert too_long.code == 2 and "2028-11-08" in too_long.err
    ok = cli(
        "talent", "approve", reference, "--track", "residence", "--from", "2026-11-09",
        "--until", "2028-11-08", "--as", "exit-entry",
    )  # fmt: skip
    assert ok.code == 0, ok.err
    case = json.loads(cli("talent", "case", reference, "--as", "cn-air-admin", "-f", "json").out)
    assert {k: t["state"] for k, t in case["tracks"].items()} == {
        "work_permit": "approved",
        "residence": "approved",
    }
    assert case["professional"]["passport_number"] == "A09876543"  # the employer sees it whole
    audited = json.loads(cli("talent", "case", reference, "--as", "auditor", "-f", "json").out)
    assert audited["professional"]["passport_number"] == "A0*****43"
    assert cli("audit", "verify").code == 0


def test_an_employer_sees_only_its_own_cases(cli: CLI, demo_db: Database) -> None:
    own = json.loads(cli("talent", "cases", "--as", "cn-air-admin", "-f", "json").out)
    assert {r["professional"] for r in own} == {"Chinedu Okafor", "Beatriz Silva"}
    assert all("*" in r["passport_number"] for r in own)  # lists are masked for everyone
    reference = _reference(cli, "Anna Schmidt")
    hidden = cli("talent", "case", reference, "--as", "cn-air-admin")
    assert hidden.code == 3


def test_the_demo_has_cases_in_every_state_and_an_approved_and_a_revoked_inviter(
    cli: CLI, demo_db: Database
) -> None:
    from sqlalchemy import select

    from ftzlink.talent.invitation_tables import InvitingUnit
    from ftzlink.talent.tables import Case, Track, TrackState

    with demo_db.read() as session:
        states = set(session.scalars(select(Track.state)))
        assert states == {s.value for s in TrackState}
        assert "draft" in set(session.scalars(select(Case.status)))
        assert {"approved", "revoked"} <= set(session.scalars(select(InvitingUnit.status)))

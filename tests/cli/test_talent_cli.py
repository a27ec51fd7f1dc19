"""`ftzlink talent …` as an operator, an official and an employer use it: the rules without a
database, and the demo's cases in the database, decided track by track."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ftzlink.db import Database
from tests.conftest import Run

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
        "talent", "deadline", "--from", "2026-09-28", "--track", "work-permit", "--category", "A"
    )
    assert run.code == 0 and "due 2026-10-10" in run.out  # across National Day; Sat 10 Oct works
    beyond = cli("talent", "deadline", "--from", "2026-12-21", "--track", "residence")
    assert beyond.code == 2 and "covers 2004" in beyond.err and "Traceback" not in beyond.err


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

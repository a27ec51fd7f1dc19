"""The combined application over HTTP, end to end: an employer records a professional with a spouse
and a child, files one application with each document uploaded once, and the two authorities
decide the two tracks; the residence permit ends no later than the work permit and at most five
years out, the family's permits end on the same day, and the status page shows both tracks
throughout. Then passport masking by who asks, and invalid input named field by field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.talent.rules import add_years
from tests.api.conftest import PDF
from tests.api.talent_world import TODAY, V1, TalentWorld, build_talent_world

T = f"{V1}/talent"


@pytest.fixture
def world(database: Database, catalogue: Catalogue, tmp_path: Path) -> TalentWorld:
    return build_talent_world(database, catalogue, tmp_path)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def person(world: TalentWorld, **changes: Any) -> dict[str, Any]:
    return {
        "employer_id": world.org["a"],
        "full_name": "Anna Schmidt",
        "nationality": "DEU",
        "passport_number": "C01X00T47",
        "passport_expiry": "2034-05-01",
        "birth_date": "1988-04-12",
        "education": "doctorate",
        "experience_years": 9,
        "annual_salary_yuan": 900_000,
        "chinese_level": "hsk3",
        "post": "Head of AI research",
        **changes,
    }


def relative(relation: str, birth: str, passport: str) -> dict[str, Any]:
    return {
        "relation": relation,
        "full_name": f"{relation.title()} Schmidt",
        "nationality": "DEU",
        "passport_number": passport,
        "passport_expiry": "2033-01-01",
        "birth_date": birth,
    }


def status_page(client: TestClient, case_id: int) -> dict[str, Any]:
    page: dict[str, Any] = ok(client.get(f"{T}/cases/{case_id}"))
    return page


def states(page: dict[str, Any]) -> dict[str, str]:
    return {t["kind"]: t["state"] for t in page["tracks"]}


def test_one_application_two_tracks_decided_side_by_side(world: TalentWorld) -> None:
    employer = world.client("member_a")
    wp_officer = world.client("work_permit")
    police = world.client("exit_entry")

    # A Changning key enterprise (recognised by the district's reviewer): seed 000's 5-year route.
    ok(
        world.client("reviewer").post(
            f"{T}/key-enterprises",
            json={
                "organisation_id": world.org["a"],
                "recognised_by": "长宁区人民政府",
                "valid_from": "2025-01-01",
                "valid_until": "2025-12-31",
            },
        ),
        201,
    )
    assert ok(employer.get(f"{T}/key-enterprises/{world.org['a']}"))["recognised"] is True
    assert ok(wp_officer.get(f"{T}/key-enterprises/{world.org['o']}"))["recognised"] is False
    assert employer.get(f"{T}/key-enterprises/{world.org['o']}").status_code == 404

    # The professional, a spouse and a child.
    professional = ok(employer.post(f"{T}/professionals", json=person(world)), 201)
    assert professional["passport_number"] == "C01X00T47"
    pid = professional["id"]
    spouse = ok(
        employer.post(
            f"{T}/professionals/{pid}/family", json=relative("spouse", "1989-02-02", "C01X00T48")
        ),
        201,
    )
    child = ok(
        employer.post(
            f"{T}/professionals/{pid}/family", json=relative("child", "2016-07-07", "C01X00T49")
        ),
        201,
    )
    assert len(ok(employer.get(f"{T}/professionals/{pid}/family"))) == 2

    # One application, saved as a draft and resumed.
    draft = ok(
        employer.post(
            f"{T}/cases",
            json={
                "professional_id": pid,
                "facts": {"region": "shanghai", "months_in_china_per_year": 12},
                "family_member_ids": [spouse["id"], child["id"]],
            },
        ),
        201,
    )
    case_id = draft["id"]
    assert draft["status"] == "draft" and draft["tracks"] == []
    saved = ok(
        employer.patch(
            f"{T}/cases/{case_id}",
            json={
                "version": draft["version"],
                "work_permit_category": "A",
                "facts": {"high_level_professional": True},
            },
        )
    )
    assert saved["facts"] == {
        "region": "shanghai",
        "months_in_china_per_year": 12,
        "high_level_professional": True,
    }
    stale = employer.patch(
        f"{T}/cases/{case_id}", json={"version": draft["version"], "work_permit_category": "B"}
    )
    assert stale.status_code == 409, stale.text

    # Not without its documents; each uploaded once, shared by both tracks.
    missing = employer.post(f"{T}/cases/{case_id}/submit")
    assert missing.status_code == 422
    assert {"documents.passport", "documents.photo", "documents.employer_letter"} <= {
        e["field"] for e in missing.json()["errors"]
    }
    for kind in ("passport", "photo", "employer_letter"):
        ok(
            employer.post(
                f"{T}/cases/{case_id}/documents",
                data={"kind": kind},
                files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
            ),
            201,
        )
    documents = ok(employer.get(f"{T}/cases/{case_id}/documents"))
    assert [d["kind"] for d in documents] == ["passport", "photo", "employer_letter"]

    def shown(response: Any) -> dict[str, Any]:
        """After each step, the applicant's one status page shows both tracks as they now are."""
        answer = ok(response)
        page = status_page(employer, case_id)
        assert [t["kind"] for t in page["tracks"]] == ["work_permit", "residence"]
        assert states(page) == states(answer)
        return page

    page = shown(employer.post(f"{T}/cases/{case_id}/submit"))
    assert page["status"] == "filed"
    assert states(page) == {"work_permit": "received", "residence": "received"}
    # The pre-assessment: indicative, every factor with its points and citation.
    points = page["points"]
    assert points["indicative"] is True
    assert points["factors"] and all(f["citation"]["source"] for f in points["factors"])

    # The two queues.
    queue = ok(wp_officer.get(f"{T}/cases", params={"track": "work_permit", "state": "received"}))
    assert [c["id"] for c in queue["items"]] == [case_id]

    # Each authority decides its own track only.
    assert police.post(f"{T}/cases/{case_id}/tracks/work-permit/accept").status_code == 403
    assert wp_officer.post(f"{T}/cases/{case_id}/tracks/residence/accept").status_code == 403
    page = shown(wp_officer.post(f"{T}/cases/{case_id}/tracks/work-permit/accept"))
    assert states(page) == {"work_permit": "accepted", "residence": "received"}
    work_permit = page["tracks"][0]
    assert work_permit["due_on"] == "2025-06-10" and work_permit["working_days_left"] == 5
    # The police return the residence track for material; the employer uploads and answers.
    page = shown(
        police.post(
            f"{T}/cases/{case_id}/tracks/residence/return",
            json={"questions": ["Upload a health certificate issued within six months."]},
        )
    )
    assert states(page) == {"work_permit": "accepted", "residence": "returned"}
    assert page["tracks"][1]["note"] == ["Upload a health certificate issued within six months."]
    ok(
        employer.post(
            f"{T}/cases/{case_id}/documents",
            data={"kind": "health_certificate"},
            files={"file": ("health.pdf", PDF, "application/pdf")},
        ),
        201,
    )
    page = shown(
        employer.post(
            f"{T}/cases/{case_id}/tracks/residence/respond", json={"response": "Uploaded."}
        )
    )
    assert states(page) == {"work_permit": "accepted", "residence": "received"}
    page = shown(police.post(f"{T}/cases/{case_id}/tracks/residence/accept"))
    assert states(page) == {"work_permit": "accepted", "residence": "accepted"}
    assert page["tracks"][1]["due_on"] is not None

    # The residence track waits for the work permit.
    start = TODAY + dt.timedelta(days=1)
    early = police.post(
        f"{T}/cases/{case_id}/tracks/residence/approve",
        json={"valid_from": start.isoformat(), "valid_until": "2026-06-03"},
    )
    assert early.status_code == 409, early.text
    assert police.get(f"{T}/cases/{case_id}/residence-limit").status_code == 409

    wp_until = add_years(start, 5) - dt.timedelta(days=1)
    page = shown(
        wp_officer.post(
            f"{T}/cases/{case_id}/tracks/work-permit/approve",
            json={"valid_from": start.isoformat(), "valid_until": wp_until.isoformat()},
        )
    )
    assert states(page) == {"work_permit": "approved", "residence": "accepted"}
    assert page["tracks"][0]["category"] == "A"

    limit = ok(
        police.get(f"{T}/cases/{case_id}/residence-limit", params={"start": start.isoformat()})
    )
    assert limit["status"] == "allowed" and limit["five_year"] == "passed"
    assert any(r["citation"] for r in limit["reasons"])
    # `end` is the last valid day: five years from the start, the work permit's own last day.
    assert limit["end"] == wp_until.isoformat()
    last_day = dt.date.fromisoformat(limit["end"])

    too_long = police.post(
        f"{T}/cases/{case_id}/tracks/residence/approve",
        json={
            "valid_from": start.isoformat(),
            "valid_until": (last_day + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "valid_until"
    assert f"the last day may be {limit['end']} at the latest" in too_long.text
    # The limit copied as it is into the approval is accepted.
    page = shown(
        police.post(
            f"{T}/cases/{case_id}/tracks/residence/approve",
            json={"valid_from": start.isoformat(), "valid_until": limit["end"]},
        )
    )
    assert states(page) == {"work_permit": "approved", "residence": "approved"}

    # What the employer sees at the end.
    page = status_page(employer, case_id)
    work_permit, residence = page["tracks"]
    residence_from = dt.date.fromisoformat(residence["valid_from"])
    residence_until = dt.date.fromisoformat(residence["valid_until"])
    assert residence_until <= dt.date.fromisoformat(work_permit["valid_until"])
    assert residence_until <= add_years(residence_from, 5) - dt.timedelta(days=1)
    assert residence_until == wp_until  # the 5-year route, capped by the work permit
    assert [m["permit_end"] for m in page["family"]] == [residence_until.isoformat()] * 2
    assert [m["relation"] for m in page["family"]] == ["spouse", "child"]
    assert [e["action"] for e in page["history"]] == [
        "create",
        "update",
        "submit",
        "accept",
        "return",
        "respond",
        "accept",
        "approve",
        "approve",
    ]
    assert page["professional"]["passport_number"] == "C01X00T47"
    content = employer.get(f"{T}/documents/{page['documents'][0]['id']}/content")
    assert content.status_code == 200 and content.content == PDF


def _filed_case(world: TalentWorld) -> int:
    with world.write() as s:
        professional = world.professional(s)
        spouse = world.relative(s, professional.id, "spouse")
        return world.filed(s, professional.id, family=[spouse.id])


def test_passports_are_full_only_for_the_employer_and_the_officials(world: TalentWorld) -> None:
    case_id = _filed_case(world)
    full = sorted(world.passports["a"])
    assert len(full) == 2
    for who in ("member_a", "work_permit", "exit_entry"):
        page = status_page(world.client(who), case_id)
        shown = [page["professional"]["passport_number"], page["family"][0]["passport_number"]]
        assert sorted(shown) == full, who
        assert not page["professional"]["passport_masked"]
    for who in ("auditor", "platform_admin"):
        page = status_page(world.client(who), case_id)
        assert page["professional"]["passport_masked"] and page["family"][0]["passport_masked"]
        assert not any(number in str(page) for number in full), who
    for who in ("member_o", "reviewer"):
        assert world.client(who).get(f"{T}/cases/{case_id}").status_code == 404
    # Listings never carry a full number, whoever asks.
    listing = ok(world.client("member_a").get(f"{T}/professionals"))
    assert listing["items"][0]["passport_number"].count("*") == len(full[0]) - 4
    assert not any(number in str(listing) for number in full)


def test_invalid_input_is_named_field_by_field(world: TalentWorld) -> None:
    employer = world.client("member_a")
    # At the edge: shapes.
    bad = employer.post(
        f"{T}/professionals",
        json=person(world, nationality="de", passport_number="x", birth_date="12/04/1988"),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {
        "nationality",
        "passport_number",
        "birth_date",
    }
    unknown = employer.post(f"{T}/professionals", json=person(world, hobby="chess"))
    assert unknown.status_code == 422
    # In the domain: facts of the rules.
    expired = employer.post(f"{T}/professionals", json=person(world, passport_expiry="2025-01-01"))
    assert expired.status_code == 422
    assert [e["field"] for e in expired.json()["errors"]] == ["passport_expiry"]
    pid = ok(employer.post(f"{T}/professionals", json=person(world)), 201)["id"]
    adult = employer.post(
        f"{T}/professionals/{pid}/family", json=relative("child", "2007-01-01", "C01X00T50")
    )
    assert adult.status_code == 422 and adult.json()["errors"][0]["field"] == "birth_date"
    bad_case = employer.post(
        f"{T}/cases", json={"professional_id": pid, "facts": {"favourite_colour": "blue"}}
    )
    assert bad_case.status_code == 422
    assert bad_case.json()["errors"][0]["field"] == "facts.favourite_colour"
    wrong_track = employer.post(f"{T}/cases/1/tracks/visa/accept")
    assert wrong_track.status_code == 422
    # Someone else's employer: not allowed.
    assert (
        world.client("member_o").post(f"{T}/professionals", json=person(world)).status_code == 403
    )


def test_a_retried_filing_step_changes_nothing_twice(world: TalentWorld) -> None:
    employer = world.client("member_a")
    pid = ok(employer.post(f"{T}/professionals", json=person(world)), 201)["id"]
    key = {"Idempotency-Key": "new-case-1"}
    first = employer.post(f"{T}/cases", json={"professional_id": pid}, headers=key)
    again = employer.post(f"{T}/cases", json={"professional_id": pid}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert ok(employer.get(f"{T}/cases"))["total"] == 1
    other = employer.post(f"{T}/cases", json={"professional_id": pid, "facts": {}}, headers=key)
    assert other.status_code == 409

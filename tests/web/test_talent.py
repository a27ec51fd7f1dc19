"""The foreign-talent pages without JavaScript: the employer's task-list application (save and
resume, error summaries, check answers, confirmation), the two-track status page, the officials'
queues where each official decides only its own track, masked passports, CSRF, strangers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant, Principal
from ftzlink.auth.tables import Role, User
from ftzlink.db import Database
from ftzlink.demo import DEMO_PASSWORD
from ftzlink.organisations.tables import Organisation
from ftzlink.talent import cases
from ftzlink.talent.loader import bundled_talent_rules
from ftzlink.talent.tables import Case, Professional, TrackKind
from tests.web.conftest import SiteFactory, Visitor
from tests.workdays import YEAR_2027

RULES = bundled_talent_rules()
TODAY = dt.date(2026, 11, 2)  # a Monday, within the years the working-day calendar covers
PDF = b"%PDF-1.4\n% a scanned test document\n%%EOF\n"
PASSPORT = "T9W000047"
WORK, POLICE = "work-permits", "exit-entry"


# --- arranging data through the domain services (also used by the browser tests) ---------------


def principal(db: Database, username: str) -> Principal:
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        return auth.principal_for(user)


def ensure_officials(db: Database) -> None:
    """The two authorities' demo officials (created here if the demo does not have them)."""
    with db.write() as session:
        for username, role in ((WORK, Role.WORK_PERMIT_OFFICER), (POLICE, Role.EXIT_ENTRY_OFFICER)):
            if session.scalar(select(User).where(User.username == username)) is None:
                auth.create_user(
                    session,
                    actor=Actor(None, "tests", None),
                    username=username,
                    display_name=username,
                    password=DEMO_PASSWORD,
                    roles=[Grant(role)],
                )


def employer_id(db: Database, username: str = "cn-ai-admin") -> int:
    return min(principal(db, username).member_of())


def add_professional(
    db: Database, *, passport: str = PASSPORT, name: str = "Anna Schmidt", today: dt.date = TODAY
) -> tuple[int, list[int]]:
    """A professional of the AI company with a spouse and a child."""
    admin = principal(db, "cn-ai-admin")
    with db.write() as session:
        person = cases.add_professional(
            session,
            principal=admin,
            rules=RULES,
            employer_id=min(admin.member_of()),
            data=cases.ProfessionalInput(
                full_name=name,
                nationality="DEU",
                passport_number=passport,
                passport_expiry=dt.date(2034, 5, 1),
                birth_date=dt.date(1988, 4, 12),
                education="doctorate",
                experience_years=9,
                annual_salary_yuan=900_000,
                chinese_level="hsk3",
                post="Head of AI research",
            ),
            today=today,
        )
        family = []
        for relation, birth, suffix in (
            ("spouse", dt.date(1989, 2, 2), "S"),
            ("child", dt.date(2016, 7, 7), "C"),
        ):
            member = cases.add_family_member(
                session,
                principal=admin,
                professional_id=person.id,
                data=cases.FamilyInput(
                    relation=relation,
                    full_name=f"{relation.title()} Schmidt",
                    nationality="DEU",
                    passport_number=passport[:-1] + suffix,
                    passport_expiry=dt.date(2033, 1, 1),
                    birth_date=birth,
                ),
                today=today,
            )
            family.append(member.id)
        return person.id, family


def filed_case(
    db: Database, root: Path, *, passport: str = PASSPORT, today: dt.date = TODAY
) -> int:
    """A submitted application for a professional with a spouse and a child."""
    person, family = add_professional(db, passport=passport, today=today)
    admin = principal(db, "cn-ai-admin")
    with db.write() as session:
        case = cases.create_case(
            session,
            principal=admin,
            rules=RULES,
            professional_id=person,
            work_permit_category="A",
            facts={"high_level_professional": True},
            family_member_ids=family,
            today=today,
        )
        for kind in cases.REQUIRED_DOCUMENTS:
            cases.add_document(
                session,
                principal=admin,
                case_id=case.id,
                kind=kind,
                filename=f"{kind}.pdf",
                content_type="application/pdf",
                data=PDF,
                root=root,
                max_bytes=1_000_000,
                today=today,
            )
        cases.submit(session, principal=admin, rules=RULES, case_id=case.id, today=today)
        return case.id


# --- helpers ------------------------------------------------------------------------------------


def signed_in(make_visitor: SiteFactory, username: str) -> Visitor:
    visitor = make_visitor(TODAY)
    visitor.sign_in(username)
    return visitor


def upload(visitor: Visitor, case_id: int, kind: str, data: bytes = PDF) -> Any:
    visitor.get(f"/talent/cases/{case_id}/documents")
    visitor.last = visitor.client.post(
        f"/talent/cases/{case_id}/documents",
        data={"kind": kind, "csrf_token": visitor.token()},
        files={"file": (f"{kind}.pdf", data, "application/pdf")},
    )
    return visitor.last


def task_state(html: str, task: str) -> str:
    found = re.search(rf'id="task-{task}-status">([^<]+)<', html)
    assert found, task
    return found.group(1)


def summary_links(html: str) -> list[str]:
    block = re.search(r'class="error-summary__list">(.*?)</ul>', html, re.S)
    assert block, "no error summary"
    return re.findall(r'href="#([^"]+)"', block.group(1))


PERSON = {
    "full_name": "Léa Martin",
    "nationality": "FRA",
    "passport_number": "T9W000099",
    "passport_expiry": "2033-03-01",
    "birth_date": "1990-06-15",
    "education": "master",
    "experience_years": "6",
    "annual_salary_yuan": "480,000",
    "chinese_level": "hsk4",
    "post": "Robotics engineer",
}


@pytest.fixture
def db(demo_database: Database) -> Database:
    ensure_officials(demo_database)
    return demo_database


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data" / "documents"  # the documents_dir of make_visitor's settings


# --- the employer's application -----------------------------------------------------------------


def test_the_task_list_application_saves_resumes_checks_and_confirms(
    db: Database, make_visitor: SiteFactory
) -> None:
    v = signed_in(make_visitor, "cn-ai-admin")
    page = v.get("/talent")
    assert page.status_code == 200 and "<h1" in page.text

    # Adding a professional: the error summary links to every field in trouble.
    v.get("/talent/professionals/new")
    bad = v.submit("/talent/professionals/new", {**PERSON, "nationality": "fr", "post": ""})
    assert bad.status_code == 400
    assert "<title>错误：" in bad.text
    assert summary_links(bad.text) == ["nationality", "post"]
    assert 'value="Léa Martin"' in bad.text  # answers kept
    added = v.submit("/talent/professionals/new", PERSON)
    assert added.status_code == 200 and "T9W000099" in added.text  # the employer sees it in full
    person_id = int(re.search(r"/talent/professionals/(\d+)", str(added.url)).group(1))  # type: ignore[union-attr]

    # Family: a spouse, and a "child" who is already 18 is refused beside the date of birth.
    url = f"/talent/professionals/{person_id}/family/new"
    v.get(url)
    spouse = {
        "relation": "spouse",
        "full_name": "Marc Martin",
        "nationality": "FRA",
        "passport_number": "T9W000098",
        "passport_expiry": "2032-01-01",
        "birth_date": "1989-01-01",
    }
    assert v.submit(url, spouse).status_code == 200
    v.get(url)
    adult = {**spouse, "relation": "child", "full_name": "Paul Martin", "birth_date": "2008-01-01"}
    refused = v.submit(url, {**adult, "passport_number": "T9W000097"})
    assert refused.status_code == 400 and summary_links(refused.text) == ["birth_date"]
    child = {**adult, "birth_date": "2018-05-05"}
    family = v.submit(url, {**child, "passport_number": "T9W000097"})
    assert "Marc Martin" in family.text and "Paul Martin" in family.text

    # Start the application: a task list, nothing done yet.
    v.get(f"/talent/cases/new?professional={person_id}")
    tasks = v.submit("/talent/cases/new", {"professional": person_id})
    case_id = int(str(tasks.url).rsplit("/", 1)[1])
    assert task_state(tasks.text, "category") == "未开始"
    assert task_state(tasks.text, "check") == "尚不能开始"

    # The category: required.
    v.get(f"/talent/cases/{case_id}/category")
    missing = v.submit(f"/talent/cases/{case_id}/category", {})
    assert missing.status_code == 400 and summary_links(missing.text) == ["work_permit_category"]
    tasks = v.submit(f"/talent/cases/{case_id}/category", {"work_permit_category": "B"})
    assert task_state(tasks.text, "category") == "已完成"

    # About the post: "save and come back later" keeps a partial answer; it is then in progress.
    v.get(f"/talent/cases/{case_id}/post")
    later = v.submit(
        f"/talent/cases/{case_id}/post",
        {"fact-senior-manager": "yes", "fact-months-in-china-per-year": "12", "action": "later"},
    )
    assert str(later.url).endswith("/talent")
    resumed = v.get(f"/talent/cases/{case_id}")
    assert task_state(resumed.text, "post") == "进行中"
    post = v.get(f"/talent/cases/{case_id}/post")
    assert (
        'id="fact-senior-manager" name="fact-senior-manager" type="radio" value="yes" checked'
        in (post.text)
    )
    wrong = v.submit(f"/talent/cases/{case_id}/post", {"fact-months-in-china-per-year": "13"})
    assert wrong.status_code == 400 and "fact-months-in-china-per-year" in summary_links(wrong.text)

    # Family included.
    v.get(f"/talent/cases/{case_id}/family")
    with db.read() as session:
        ids = [str(m.id) for m in cases.family_of(session, person_id)]
    tasks = v.submit(f"/talent/cases/{case_id}/family", {"family": ids})
    assert task_state(tasks.text, "family") == "已完成"

    # Documents: each kind once; a file that is not what it says is refused.
    fake = upload(v, case_id, "passport", b"not a pdf")
    assert fake.status_code == 400 and summary_links(fake.text) == ["file"]
    assert upload(v, case_id, "passport").status_code == 200
    twice = upload(v, case_id, "passport")
    assert twice.status_code == 400 and summary_links(twice.text) == ["kind"]
    assert task_state(v.get(f"/talent/cases/{case_id}").text, "documents") == "进行中"

    # Check answers: submitting without the other required documents names each of them.
    check = v.get(f"/talent/cases/{case_id}/check")
    assert "Marc Martin" in check.text and "T9W000099" in check.text
    early = v.submit(f"/talent/cases/{case_id}/submit", {})
    assert early.status_code == 400
    assert summary_links(early.text) == ["submit-photo", "submit-employer_letter"]
    for kind in ("photo", "employer_letter"):
        assert upload(v, case_id, kind).status_code == 200
    assert task_state(v.get(f"/talent/cases/{case_id}").text, "documents") == "已完成"
    v.get(f"/talent/cases/{case_id}/check")
    done = v.submit(f"/talent/cases/{case_id}/submit", {})
    assert str(done.url).endswith(f"/talent/cases/{case_id}/confirmation")
    with db.read() as session:
        case = session.get(Case, case_id)
        assert case is not None and case.status == "filed"
        assert case.reference in done.text

    # After filing: the status page with both tracks, received.
    status = v.get(f"/talent/cases/{case_id}")
    assert 'id="track-work_permit" data-state="received"' in status.text
    assert 'id="track-residence" data-state="received"' in status.text
    assert "/accept" not in status.text  # the employer decides nothing


def test_english_pages_are_complete(db: Database, make_visitor: SiteFactory) -> None:
    v = signed_in(make_visitor, "cn-ai-admin")
    v.client.cookies.set("ftzlink_lang", "en")
    page = v.get("/talent")
    assert "Foreign talent" in page.text
    v.get("/talent/professionals/new")
    bad = v.submit("/talent/professionals/new", {})
    assert "<title>Error: Add a professional" in bad.text
    assert "Enter the name as it is in the passport" in bad.text


def test_forms_without_the_csrf_token_change_nothing(
    db: Database, make_visitor: SiteFactory
) -> None:
    v = signed_in(make_visitor, "cn-ai-admin")
    answer = v.client.post("/talent/professionals/new", data=PERSON)
    assert answer.status_code == 403
    with db.read() as session:
        assert (
            session.scalar(select(Professional).where(Professional.full_name == "Léa Martin"))
            is None
        )


# --- the officials ------------------------------------------------------------------------------


def test_each_official_sees_the_forms_of_its_own_track_only(
    db: Database, root: Path, make_visitor: SiteFactory
) -> None:
    case_id = filed_case(db, root)
    work = signed_in(make_visitor, WORK)
    page = work.get(f"/talent/cases/{case_id}")
    assert f"/talent/cases/{case_id}/tracks/work_permit/accept" in page.text
    assert "/tracks/residence/" not in page.text
    police = signed_in(make_visitor, POLICE)
    page = police.get(f"/talent/cases/{case_id}")
    assert f"/talent/cases/{case_id}/tracks/residence/accept" in page.text
    assert "/tracks/work_permit/" not in page.text
    # Posting to the other authority's track is refused and changes nothing.
    refused = police.submit(f"/talent/cases/{case_id}/tracks/work_permit/accept", {})
    assert refused.status_code == 403
    with db.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert cases.tracks_of(session, case)[TrackKind.WORK_PERMIT].state == "received"


def test_both_tracks_decided_through_the_pages(
    db: Database, root: Path, make_visitor: SiteFactory
) -> None:
    case_id = filed_case(db, root)
    work = signed_in(make_visitor, WORK)
    queue = work.get("/talent/queue/work-permit?state=received")
    assert queue.status_code == 200 and f'href="/talent/cases/{case_id}"' in queue.text
    assert PASSPORT not in queue.text and "T9*****47" in queue.text  # masked in lists
    work.get(f"/talent/cases/{case_id}")
    page = work.submit(f"/talent/cases/{case_id}/tracks/work_permit/accept", {})
    assert 'id="track-work_permit" data-state="accepted"' in page.text
    assert "个工作日" in page.text  # the days left, in working days
    # A validity ending before it starts: an error summary; then a good one.
    bad = work.submit(
        f"/talent/cases/{case_id}/tracks/work_permit/approve",
        {"valid_from": "2026-11-09", "valid_until": "2026-11-01", "category": "A"},
    )
    assert bad.status_code == 400 and summary_links(bad.text) == ["valid_until"]
    page = work.submit(
        f"/talent/cases/{case_id}/tracks/work_permit/approve",
        {"valid_from": "2026-11-09", "valid_until": "2028-11-08", "category": "A"},
    )
    assert 'id="track-work_permit" data-state="approved"' in page.text

    police = signed_in(make_visitor, POLICE)
    police.get(f"/talent/cases/{case_id}")
    page = police.submit(f"/talent/cases/{case_id}/tracks/residence/accept", {})
    assert 'id="residence-limit"' in page.text and "2028" in page.text
    too_long = police.submit(
        f"/talent/cases/{case_id}/tracks/residence/approve",
        {"valid_from": "2026-11-09", "valid_until": "2028-11-09"},
    )
    assert too_long.status_code == 400 and summary_links(too_long.text) == ["valid_until"]
    page = police.submit(
        f"/talent/cases/{case_id}/tracks/residence/approve",
        {"valid_from": "2026-11-09", "valid_until": "2028-11-08"},
    )
    assert 'id="track-residence" data-state="approved"' in page.text
    assert page.text.count('data-end="2028-11-08"') == 2  # the family ends with the principal

    employer = signed_in(make_visitor, "cn-ai-admin")
    status = employer.get(f"/talent/cases/{case_id}")
    assert status.text.count('data-state="approved"') == 2
    assert "积分预评估仅供参考" in status.text  # the pre-assessment, labelled indicative
    assert 'id="points"' in status.text and 'id="history"' in status.text


def test_a_returned_track_is_answered_from_the_status_page(
    db: Database, root: Path, make_visitor: SiteFactory
) -> None:
    case_id = filed_case(db, root)
    police = signed_in(make_visitor, POLICE)
    police.get(f"/talent/cases/{case_id}")
    empty = police.submit(f"/talent/cases/{case_id}/tracks/residence/return", {"questions": " "})
    assert empty.status_code == 400 and summary_links(empty.text) == ["questions"]
    police.submit(
        f"/talent/cases/{case_id}/tracks/residence/return",
        {"questions": "Upload a health certificate."},
    )
    employer = signed_in(make_visitor, "cn-ai-admin")
    page = employer.get(f"/talent/cases/{case_id}")
    assert "Upload a health certificate." in page.text
    assert upload(employer, case_id, "health_certificate").status_code == 200
    employer.get(f"/talent/cases/{case_id}")
    answered = employer.submit(
        f"/talent/cases/{case_id}/tracks/residence/respond",
        {"response-residence": "Uploaded the certificate."},
    )
    assert 'id="track-residence" data-state="received"' in answered.text


# --- who sees what ------------------------------------------------------------------------------


def test_passports_are_masked_for_the_auditor_and_strangers_get_nothing(
    db: Database, root: Path, make_visitor: SiteFactory
) -> None:
    case_id = filed_case(db, root)
    with db.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        person_id = case.professional_id
    employer = signed_in(make_visitor, "cn-ai-admin")
    assert PASSPORT in employer.get(f"/talent/cases/{case_id}").text
    listing = employer.get("/talent")
    assert PASSPORT not in listing.text and "T9*****47" in listing.text
    work = signed_in(make_visitor, WORK)
    assert PASSPORT in work.get(f"/talent/cases/{case_id}").text  # a deciding official
    auditor = signed_in(make_visitor, "auditor")
    page = auditor.get(f"/talent/cases/{case_id}")
    assert page.status_code == 200 and PASSPORT not in page.text and "T9*****47" in page.text
    assert "/tracks/" not in page.text  # reads, decides nothing

    # The shared documents: the deciding official downloads what the employer uploaded.
    with db.read() as session:
        doc = cases.list_documents(session, principal=principal(db, WORK), case_id=case_id)[0]
    download = work.get(f"/talent/cases/{case_id}/documents/{doc.id}")
    assert download.status_code == 200 and download.content == PDF

    other = signed_in(make_visitor, "cn-air-admin")
    assert other.get(f"/talent/cases/{case_id}/documents/{doc.id}").status_code == 404
    assert other.get(f"/talent/cases/{case_id}").status_code == 404
    assert other.get(f"/talent/professionals/{person_id}").status_code == 404
    assert other.get(f"/talent/cases/{case_id}/documents").status_code == 404
    assert other.get("/talent/queue/work-permit").status_code == 403
    reviewer = signed_in(make_visitor, "cn-reviewer")
    assert reviewer.get("/talent").status_code == 403
    assert reviewer.get(f"/talent/cases/{case_id}").status_code == 404
    assert work.get("/talent/queue/residence").status_code == 403
    anonymous = make_visitor(TODAY)
    assert "/sign-in" in str(anonymous.get("/talent").url)


def test_a_draft_is_the_employers_alone(db: Database, make_visitor: SiteFactory) -> None:
    person, _ = add_professional(db)
    admin = principal(db, "cn-ai-admin")
    with db.write() as session:
        draft = cases.create_case(
            session, principal=admin, rules=RULES, professional_id=person, today=TODAY
        )
        draft_id = draft.id
        org = session.get(Organisation, min(admin.member_of()))
        assert org is not None
    work = signed_in(make_visitor, WORK)
    assert work.get(f"/talent/cases/{draft_id}").status_code == 404
    staff = signed_in(make_visitor, "cn-ai-staff")  # a member of the same employer resumes it
    assert "task-category" in staff.get(f"/talent/cases/{draft_id}").text


def test_a_deadline_into_2027_is_provisional_until_the_admin_loads_2027(
    db: Database, root: Path, make_visitor: SiteFactory
) -> None:
    case_id = filed_case(db, root)
    police = make_visitor(dt.date(2026, 12, 28))  # the residence track's days run into 2027
    police.sign_in(POLICE)
    police.get(f"/talent/cases/{case_id}")
    accepted = police.submit(f"/talent/cases/{case_id}/tracks/residence/accept", {})
    assert accepted.status_code == 200, accepted.text
    page = police.get(f"/talent/cases/{case_id}").text
    assert 'id="track-residence-provisional"' in page
    assert "按2027年正式节假日安排载入前的法定节假日计算" in page
    api = police.get(f"/api/v1/talent/cases/{case_id}").json()
    track = next(t for t in api["tracks"] if t["kind"] == "residence")
    assert track["provisional"] is True and track["provisional_years"] == [2027]
    before = track["due_on"]

    admin = make_visitor(dt.date(2026, 12, 29))
    admin.sign_in("admin")
    admin.get("/admin/calendar")
    review = admin.submit(
        "/admin/calendar",
        {},
        files={"file": ("2027.yaml", YEAR_2027.read_bytes(), "application/yaml")},
    )
    assert review.status_code == 200 and "2027" in review.text
    admin.get("/admin/calendar")
    loaded = admin.submit(
        "/admin/calendar/load",
        {"name": "2027.yaml", "content": YEAR_2027.read_text(encoding="utf-8")},
    )
    assert loaded.status_code == 200 and "已载入2027年安排" in loaded.text

    page = police.get(f"/talent/cases/{case_id}").text
    assert 'id="track-residence-provisional"' not in page
    api = police.get(f"/api/v1/talent/cases/{case_id}").json()
    track = next(t for t in api["tracks"] if t["kind"] == "residence")
    assert track["provisional"] is False and track["due_on"] > before
    assert "期限已重新计算" in page and "已载入2027年正式节假日安排" in page
    public = make_visitor(dt.date(2026, 12, 29)).get("/calendar").text
    assert 'data-year="2027"' in public and "测试用" in public


def test_a_broken_calendar_file_is_refused_with_its_lines(make_visitor: SiteFactory) -> None:
    admin = make_visitor(dt.date(2026, 12, 29))
    admin.sign_in("admin")
    admin.get("/admin/calendar")
    broken = YEAR_2027.read_text(encoding="utf-8").replace("[2027-02-20]", "[2027-02-18]")
    refused = admin.submit(
        "/admin/calendar", {}, files={"file": ("2027.yaml", broken.encode(), "application/yaml")}
    )
    assert refused.status_code == 400 and 'id="problems"' in refused.text
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "2027-02-18" in t)
    assert f"第{line}行" in refused.text
    member = make_visitor(dt.date(2026, 12, 29))
    member.sign_in("cn-ai-admin")
    assert member.get("/admin/calendar").status_code == 403

"""The workspace after sign-in and the pages without dead ends: an enterprise lands on its to-dos,
drafts and policies; an official lands on the queue, which holds no drafts; a measure that has
ended says so, with its dates, before any form, and its offer has no consent button."""

from __future__ import annotations

import re

from sqlalchemy import select

from ftzlink.applications.tables import Application
from ftzlink.db import Database
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive.tables import Candidate
from tests.web.conftest import AFTER_EXPIRY, SiteFactory, Visitor

FOCUS = "cn-trial-focus-entities"
AI = "上海示例智能科技有限公司"


def _offer(db: Database, organisation: str, measure: str) -> Candidate:
    with db.read() as session:
        found = session.scalar(
            select(Candidate)
            .join(Organisation, Organisation.id == Candidate.organisation_id)
            .where(Organisation.name == organisation, Candidate.measure_id == measure)
        )
        assert found is not None
        return found


def test_an_enterprise_lands_on_its_workspace_named_by_person_and_organisation(
    visitor: Visitor, demo_database: Database
) -> None:
    visitor.sign_in("cn-ai-admin")
    visitor.get("/")
    page = visitor.get("/sign-in")  # signed in: sent on to the workspace
    assert page.url.path == "/workspace"
    assert page.status_code == 200 and "我的工作台" in page.text
    header = re.search(r'id="header-user">(.*?)</a>', page.text, re.S)
    assert header is not None
    assert "张伟" in header.group(1) and AI in header.group(1)
    assert "cn-ai-admin" not in header.group(1)
    offer = _offer(demo_database, AI, FOCUS)  # confirmed in the demo: a to-do
    assert f'href="/proactive/offers#offer-{offer.id}"' in page.text
    assert 'id="policies-for-you"' in page.text


def test_signing_in_lands_on_the_workspace_and_an_official_on_the_queue(
    make_visitor: SiteFactory,
) -> None:
    enterprise = make_visitor()
    enterprise.get("/sign-in")
    landed = enterprise.submit(
        "/sign-in", {"username": "cn-ai-admin", "password": _password()}, follow_redirects=False
    )
    assert landed.headers["location"] == "/workspace"
    official = make_visitor()
    official.sign_in("cn-reviewer")
    assert official.get("/workspace").url.path == "/review"


def _password() -> str:
    from ftzlink.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def test_the_queue_shows_what_needs_action_and_never_a_draft(
    visitor: Visitor, demo_database: Database
) -> None:
    with demo_database.read() as session:
        drafts = list(session.scalars(select(Application).where(Application.status == "draft")))
    assert drafts, "the demo has drafts (pre-filled offers among them)"
    visitor.sign_in("cn-reviewer")
    queue = visitor.get("/review")
    assert queue.status_code == 200
    every = visitor.get("/review?status=all")
    for draft in drafts:
        assert draft.reference not in queue.text and draft.reference not in every.text
        assert visitor.get(f"/review/{draft.id}").status_code == 404
    assert "approved" not in re.findall(r"tag--(\w+)", queue.text)
    assert "withdrawn" not in re.findall(r"tag--(\w+)", queue.text)


def test_an_ended_measure_says_so_with_its_dates_before_any_form(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    visitor = make_visitor(AFTER_EXPIRY)
    visitor.sign_in("cn-ai-admin")
    measure = visitor.get(f"/measures/{FOCUS}")
    assert 'id="apply"' not in measure.text
    start = visitor.get(f"/applications/new?measure={FOCUS}")
    assert start.status_code == 200
    assert 'id="not-in-force"' in start.text and "该措施已失效" in start.text
    assert "2026年11月14日" in start.text
    assert "<form" not in start.text.split('id="main"')[1]
    offer = _offer(demo_database, AI, FOCUS)
    offers = visitor.get("/proactive/offers")
    assert f'id="closed-{offer.id}"' in offers.text
    assert f'id="consent-{offer.id}"' not in offers.text
    visitor.get("/proactive/offers")
    refused = visitor.submit(f"/proactive/offers/{offer.id}/consent", {})
    assert refused.status_code == 409
    assert _offer(demo_database, AI, FOCUS).status == "confirmed"
    workspace = visitor.get("/workspace")
    with demo_database.read() as session:
        draft = session.get(Application, offer.application_id)
        assert draft is not None and draft.status == "draft"
    assert f'id="draft-{draft.id}-closed"' in workspace.text


def test_signed_in_a_measure_in_force_offers_apply_and_applications_offers_a_start(
    visitor: Visitor,
) -> None:
    visitor.sign_in("cn-ai-admin")
    measure = visitor.get(f"/measures/{FOCUS}")
    assert f'href="/applications/new?measure={FOCUS}"' in measure.text
    assert 'id="start-application"' in visitor.get("/applications").text


def test_saving_and_withdrawing_say_so_in_a_banner(visitor: Visitor) -> None:
    visitor.sign_in("cn-ai-admin")
    start = visitor.get(f"/applications/new?measure={FOCUS}")
    org = re.search(r'name="organisation" value="(\d+)"', start.text)
    assert org is not None
    saved = visitor.submit(
        "/applications/new",
        {
            "measure": FOCUS,
            "organisation": org.group(1),
            "requested_amount": "1000000",
            "action": "later",
        },
    )
    assert saved.url.path == "/applications" and "草稿已保存" in saved.text
    app_id = max(int(i) for i in re.findall(r"/applications/(\d+)/check", saved.text))
    visitor.get(f"/applications/{app_id}/withdraw")
    done = visitor.submit(f"/applications/{app_id}/withdraw", {"confirm": "yes"})
    assert done.url.path == f"/applications/{app_id}" and "申请已撤回" in done.text

"""The 免申即享 pages without JavaScript: an official runs a match, confirms and strikes candidates
in one batch with a result per item; the enterprise sees the offer, consents (its application is
submitted) or declines after a confirmation page; another organisation's offer is not found; a
form without its CSRF token changes nothing; a bad as-of date is an error on the page."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from ftzlink.applications.tables import Application
from ftzlink.db import Database
from ftzlink.organisations.tables import Organisation
from ftzlink.proactive.tables import Candidate, MatchRun
from tests.web.conftest import SiteFactory, Visitor

AI = "上海示例智能科技有限公司"
AIR = "上海示例航空服务有限公司"
CHAIN_CN = "上海示例连锁商业管理有限公司长宁虹桥分公司"
CHAIN_HQ = "上海示例连锁商业管理有限公司"


def english(visitor: Visitor) -> Visitor:
    visitor.get("/language/en", params={"next": "/"})
    return visitor


def signed_in(site: SiteFactory, username: str) -> Visitor:
    visitor = site()
    visitor.sign_in(username)
    return english(visitor)


def candidate(db: Database, organisation: str, measure: str) -> Candidate:
    with db.read() as session:
        found = session.scalar(
            select(Candidate)
            .join(Organisation, Organisation.id == Candidate.organisation_id)
            .where(Organisation.name == organisation, Candidate.measure_id == measure)
        )
        assert found is not None
        session.expunge(found)
        return found


def outcomes(html: str) -> dict[int, str]:
    return {
        int(c): o for c, o in re.findall(r'data-candidate="(\d+)" data-outcome="([a-z_]+)"', html)
    }


def test_the_demo_leaves_candidates_in_every_state(demo_database: Database) -> None:
    with demo_database.read() as session:
        statuses = set(session.scalars(select(Candidate.status)))
        kinds = set(session.scalars(select(Candidate.kind)))
        runs = session.scalars(select(MatchRun)).all()
    assert statuses == {"pending", "confirmed", "struck", "declined", "consented"}
    assert kinds == {"eligible", "one_answer"}
    assert len(runs) == 1 and runs[0].districts == ["changning"]
    consented = candidate(demo_database, AI, "cn-plan-eport-visa")
    with demo_database.read() as session:
        app = session.get(Application, consented.application_id)
        assert app is not None and app.status == "submitted"


def test_an_official_runs_a_match_and_decides_a_batch_and_the_enterprise_consents(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    official = signed_in(make_visitor, "cn-reviewer")
    page = official.get("/proactive")
    assert page.status_code == 200 and 'href="/proactive"' in page.text  # in the navigation
    assert 'id="runs"' in page.text and 'value="2026-11-01"' in page.text  # today by default
    answer = official.submit("/proactive/runs", {"as_of": "2026-11-01"})
    assert answer.status_code == 200 and "/proactive/runs/" in str(answer.url)
    assert "Already proposed this year" in answer.text
    with demo_database.read() as session:
        assert session.scalar(select(func.count()).select_from(MatchRun)) == 2

    listing = official.get(
        "/proactive/candidates", params={"status": "pending", "kind": "eligible"}
    )
    assert listing.status_code == 200
    residence = candidate(demo_database, AI, "cn-plan-residence-5y")
    licences = candidate(demo_database, AIR, "cn-plan-financial-licences")
    branch = candidate(demo_database, CHAIN_CN, "cn-trial-focus-entities")
    struck = candidate(demo_database, CHAIN_HQ, "cn-trial-focus-entities")  # struck in the demo
    per_person = candidate(demo_database, AI, "cn-trial-talent-people")  # needs a person's name
    for c in (residence, licences, branch):
        assert f'name="ids" value="{c.id}"' in listing.text
    ids = [residence.id, licences.id, branch.id, struck.id, per_person.id]

    check = official.submit(
        "/proactive/candidates/decide",
        {"ids": ids, "decision": "confirm", "back": "status=pending"},
    )
    assert check.status_code == 200 and "Check the decisions" in check.text
    assert check.text.count('<tr data-candidate="') == 5
    assert "pre-fill a draft for" in check.text
    assert "Nothing: it is no longer waiting for a decision" in check.text  # the struck one
    decided = {
        "step": "decide",
        "ids": ids,
        f"decision-{residence.id}": "confirm",
        f"decision-{licences.id}": "confirm",
        f"decision-{branch.id}": "strike",
        f"decision-{per_person.id}": "confirm",
        "reason": "",
    }
    assert f'id="name-{per_person.id}"' in check.text  # its cap counts per person
    missing = official.submit("/proactive/candidates/decide", decided)
    assert missing.status_code == 400 and '<a href="#reason">' in missing.text
    assert f'<a href="#name-{per_person.id}">' in missing.text
    assert '<option value="strike" selected>' in missing.text  # the choices are kept
    results = official.submit(
        "/proactive/candidates/decide",
        {**decided, "reason": "Funded by the city already", f"name-{per_person.id}": "Dr. Li"},
    )
    assert results.status_code == 200 and "Decision results" in results.text
    assert outcomes(results.text) == {
        residence.id: "confirmed",
        licences.id: "confirmed",
        branch.id: "struck",
        struck.id: "wrong_state",
        per_person.id: "confirmed",
    }
    assert candidate(demo_database, AI, "cn-trial-talent-people").status == "confirmed"
    with demo_database.read() as session:
        named = session.get(
            Application, candidate(demo_database, AI, "cn-trial-talent-people").application_id
        )
        assert named is not None and named.project_name == "Dr. Li"
    assert candidate(demo_database, CHAIN_CN, "cn-trial-focus-entities").strike_reason == (
        "Funded by the city already"
    )

    enterprise = signed_in(make_visitor, "cn-ai-admin")
    offers = enterprise.get("/proactive/offers")
    assert offers.status_code == 200 and 'href="/proactive/offers"' in offers.text
    offer = candidate(demo_database, AI, "cn-trial-focus-entities")  # confirmed in the demo
    assert f'id="offer-{residence.id}"' in offers.text and f'id="offer-{offer.id}"' in offers.text
    assert "100,000,000" in offers.text  # the amount pre-filled
    assert f'id="offer-{licences.id}"' not in offers.text  # the aviation company's
    consented = enterprise.submit(f"/proactive/offers/{offer.id}/consent", {})
    assert consented.status_code == 200 and "You consented" in consented.text
    assert f'href="/applications/{offer.application_id}"' in consented.text
    with demo_database.read() as session:
        app = session.get(Application, offer.application_id)
        assert app is not None and app.status == "submitted" and app.reference in consented.text
    assert candidate(demo_database, AI, "cn-trial-focus-entities").status == "consented"
    assert enterprise.get(f"/applications/{offer.application_id}").status_code == 200


def test_declining_asks_for_confirmation_and_withdraws_the_draft(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    offer = candidate(demo_database, AIR, "cn-trial-focus-entities")
    enterprise = signed_in(make_visitor, "cn-air-admin")
    enterprise.get("/proactive/offers")
    page = enterprise.get(f"/proactive/offers/{offer.id}/decline")
    assert page.status_code == 200 and "Decline this offer?" in page.text
    assert candidate(demo_database, AIR, "cn-trial-focus-entities").status == "confirmed"
    done = enterprise.submit(f"/proactive/offers/{offer.id}/decline", {})
    assert done.status_code == 200 and "You declined the offer" in done.text
    assert candidate(demo_database, AIR, "cn-trial-focus-entities").status == "declined"
    with demo_database.read() as session:
        app = session.get(Application, offer.application_id)
        assert app is not None and app.status == "withdrawn"
    again = enterprise.get(f"/proactive/offers/{offer.id}/decline")
    assert again.status_code == 200 and 'id="not-open"' in again.text


def test_another_organisation_s_offer_is_not_found(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    theirs = candidate(demo_database, AIR, "cn-trial-focus-entities")
    pending = candidate(demo_database, AI, "cn-plan-residence-5y")  # not offered yet
    enterprise = signed_in(make_visitor, "cn-ai-admin")
    assert enterprise.get(f"/proactive/offers/{theirs.id}/decline").status_code == 404
    assert enterprise.get(f"/proactive/offers/{pending.id}/decline").status_code == 404
    enterprise.get("/proactive/offers")
    assert enterprise.submit(f"/proactive/offers/{theirs.id}/consent", {}).status_code == 404
    assert enterprise.submit(f"/proactive/offers/{theirs.id}/decline", {}).status_code == 404
    assert candidate(demo_database, AIR, "cn-trial-focus-entities").status == "confirmed"
    # The officials' pages are not the enterprise's, and another district's reviewer sees none.
    assert enterprise.get("/proactive").status_code == 403
    assert enterprise.get("/proactive/candidates").status_code == 403
    xuhui = signed_in(make_visitor, "xh-reviewer")
    assert "0 candidates found" in xuhui.get("/proactive/candidates").text
    with demo_database.read() as session:
        run_id = session.scalar(select(MatchRun.id))
    assert xuhui.get(f"/proactive/runs/{run_id}").status_code == 404
    results = xuhui.submit(
        "/proactive/candidates/decide",
        {"step": "decide", "ids": [pending.id], f"decision-{pending.id}": "confirm"},
    )
    assert outcomes(results.text) == {pending.id: "not_found"}
    assert candidate(demo_database, AI, "cn-plan-residence-5y").status == "pending"


def test_a_form_without_its_csrf_token_changes_nothing(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    official = signed_in(make_visitor, "cn-reviewer")
    pending = candidate(demo_database, AI, "cn-plan-residence-5y")
    refused = official.client.post("/proactive/runs", data={"as_of": "2026-11-01"})
    assert refused.status_code == 403
    refused = official.client.post(
        "/proactive/candidates/decide",
        data={"step": "decide", "ids": str(pending.id), f"decision-{pending.id}": "confirm"},
    )
    assert refused.status_code == 403
    offer = candidate(demo_database, AI, "cn-trial-focus-entities")
    enterprise = signed_in(make_visitor, "cn-ai-admin")
    assert enterprise.client.post(f"/proactive/offers/{offer.id}/consent").status_code == 403
    with demo_database.read() as session:
        assert session.scalar(select(func.count()).select_from(MatchRun)) == 1
    assert candidate(demo_database, AI, "cn-plan-residence-5y").status == "pending"
    assert candidate(demo_database, AI, "cn-trial-focus-entities").status == "confirmed"


def test_a_bad_as_of_date_is_an_error_on_the_page_with_the_answer_kept(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    official = signed_in(make_visitor, "cn-reviewer")
    official.get("/proactive")
    page = official.submit("/proactive/runs", {"as_of": "2026-02-30"})
    assert page.status_code == 400
    assert "<title>Error: " in page.text and '<a href="#as_of">' in page.text
    assert 'value="2026-02-30"' in page.text
    with demo_database.read() as session:
        assert session.scalar(select(func.count()).select_from(MatchRun)) == 1
    empty = official.submit("/proactive/candidates/decide", {"decision": "confirm"})
    assert empty.status_code == 400 and '<a href="#ids">' in empty.text


def test_a_registry_file_is_matched_and_its_unlinked_rows_are_listed(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    official = signed_in(make_visitor, "cn-reviewer")
    official.get("/proactive")
    token = official.token()
    wrong = official.client.post(
        "/proactive/runs/registry",
        data={"csrf_token": token, "registry_as_of": "2026-11-01"},
        files={"registry": ("registry.txt", b"uscc\n", "text/plain")},
    )
    assert wrong.status_code == 400 and '<a href="#registry">' in wrong.text
    with demo_database.read() as session:
        uscc = session.scalar(select(Organisation.uscc).where(Organisation.name == AI))
    csv = f"uscc,name\n{uscc},{AI}\n91310000XXXXXXXXXX,Not registered\n".encode()
    run = official.client.post(
        "/proactive/runs/registry",
        data={"csrf_token": token, "registry_as_of": "2026-11-01"},
        files={"registry": ("registry.csv", csv, "text/csv")},
    )
    assert run.status_code == 200, run.text
    assert 'id="unlinked"' in run.text and "Not registered" in run.text
    assert "registry.csv" in run.text


def test_only_officials_see_the_runs_page_link(make_visitor: SiteFactory) -> None:
    admin = signed_in(make_visitor, "admin")
    page = admin.get("/proactive")
    assert page.status_code == 200 and 'href="/proactive"' in page.text
    assert 'action="/proactive/runs"' in page.text  # a platform admin runs over every district
    auditor = signed_in(make_visitor, "auditor")
    page = auditor.get("/proactive")
    assert page.status_code == 200 and 'action="/proactive/runs"' not in page.text
    with_user = signed_in(make_visitor, "cn-ai-admin")
    assert 'href="/proactive"' not in with_user.get("/applications").text


def test_a_consent_the_engine_now_refuses_says_why_on_the_offers_page(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    # After the Changning trial policy ended (2026-11-14), its offer can no longer be submitted.
    offer = candidate(demo_database, AIR, "cn-trial-focus-entities")
    enterprise = make_visitor(today=dt.date(2026, 11, 24))
    enterprise.sign_in("cn-air-admin")
    english(enterprise)
    enterprise.get("/proactive/offers")
    refused = enterprise.submit(f"/proactive/offers/{offer.id}/consent", {})
    assert refused.status_code == 409
    assert "<title>Error: " in refused.text
    assert f'href="#consent-{offer.id}"' in refused.text
    assert "The measure is no longer in force, so nothing was submitted." in refused.text
    assert candidate(demo_database, AIR, "cn-trial-focus-entities").status == "confirmed"
    with demo_database.read() as session:
        app = session.get(Application, offer.application_id)
        assert app is not None and app.status == "draft"


def test_a_candidate_one_answer_away_is_left_as_it_is_unless_struck_and_says_what_it_lacks(
    make_visitor: SiteFactory, demo_database: Database
) -> None:
    with demo_database.read() as session:
        waiting = session.scalar(
            select(Candidate).where(Candidate.kind == "one_answer", Candidate.status == "pending")
        )
        assert waiting is not None and waiting.question
        session.expunge(waiting)
    official = make_visitor()
    official.sign_in("cn-reviewer")  # in Chinese
    official.get("/proactive/candidates?status=pending")
    check = official.submit(
        "/proactive/candidates/decide", {"ids": [waiting.id], "decision": "confirm"}
    )
    assert check.status_code == 200
    row = check.text.split(f'data-candidate="{waiting.id}"')[1].split("</tr>")[0]
    # It cannot be confirmed, so confirming is not offered, and the proposal is to leave it.
    assert 'value="confirm"' not in row and '<option value="keep" selected>' in row
    assert "暂不能确认：平台还缺一项信息" in row and waiting.question not in row
    results = official.submit(
        "/proactive/candidates/decide",
        {"step": "decide", "ids": [waiting.id], f"decision-{waiting.id}": "keep"},
    )
    assert results.status_code == 200
    assert outcomes(results.text) == {waiting.id: "kept"} and "暂不处理" in results.text
    with demo_database.read() as session:
        again = session.get(Candidate, waiting.id)
        assert again is not None and again.status == "pending"
    # Confirming it anyway (a form sent by hand) says why not, not that its state is wrong.
    forced = official.submit(
        "/proactive/candidates/decide",
        {"step": "decide", "ids": [waiting.id], f"decision-{waiting.id}": "confirm"},
    )
    assert outcomes(forced.text) == {waiting.id: "wrong_state"}
    assert "该候选还缺一项信息，暂不能确认，只能剔除" in forced.text

"""The cross-border data pages and the public ledger without JavaScript: pre-filing as a task list
saved and resumed, the route explanation with its citations and questions, submitting, the
regulator's queue and decisions, transfers refused in words when they would need a stricter route,
receipts downloaded and checked on the verify page (and a one-byte change refused), spot checks
recomputed, inspections; CSRF on every form; who sees what."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ftzlink.auth.tables import User
from ftzlink.dataflow.tables import Filing, Inspection, Registration, Transfer
from ftzlink.db import Database
from ftzlink.organisations.tables import Organisation
from tests.web.conftest import SiteFactory, Visitor


@pytest.fixture
def site(
    demo_database: Database, make_visitor: SiteFactory, _demo_template: Path, tmp_path: Path
) -> SiteFactory:
    """The demo site, signing with the demo's ledger key (as `ftzlink demo load` leaves it)."""
    key = tmp_path / "data" / "ledger.key"
    if not key.exists():  # SQLite: the template's key; PostgreSQL: written when it was loaded
        key.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_demo_template.parent / "ledger.key", key)
    return make_visitor


def h1(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    ]


def title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found
    return found.group(1)


def english(visitor: Visitor) -> Visitor:
    visitor.get("/language/en", params={"next": "/"})
    return visitor


def signed_in(site: SiteFactory, username: str, *, lang: str = "en") -> Visitor:
    visitor = site()
    visitor.sign_in(username)
    if lang == "en":
        english(visitor)
    return visitor


def _registration(db: Database, org_name_part: str) -> Registration:
    with db.read() as session:
        row = session.scalar(
            select(Registration)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .where(Organisation.name.contains(org_name_part))
        )
        assert row is not None
        session.expunge(row)
        return row


def _filing(db: Database, title_part: str) -> Filing:
    with db.read() as session:
        row = session.scalar(select(Filing).where(Filing.title.contains(title_part)))
        assert row is not None
        session.expunge(row)
        return row


def _count(db: Database, table: type[Transfer] | type[Filing]) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


# --- pre-filing ---------------------------------------------------------------------------------


def test_pre_filing_is_a_task_list_saved_resumed_checked_and_submitted(site: SiteFactory) -> None:
    member = signed_in(site, "cn-ai-staff")
    assert 'href="/dataflow"' in member.get("/").text  # the nav entry "Data export"
    member.get("/dataflow/filings/new")
    empty = member.submit("/dataflow/filings/new", {"title": ""})
    assert empty.status_code == 400 and title(empty.text).startswith("Error: ")
    tasks = member.submit("/dataflow/filings/new", {"title": "Bookings for the Paris office"})
    assert h1(tasks.text) == ["Bookings for the Paris office"]
    assert "You have completed 0 of 5 sections." in tasks.text
    base = re.search(r"/dataflow/filings/(\d+)/transfer", tasks.text)
    assert base
    url = f"/dataflow/filings/{base.group(1)}"
    assert re.search(r'id="task-check".*?Cannot start yet', tasks.text, re.S)

    # Save one section and come back later: the dashboard lists the draft; the answers stay.
    member.get(url + "/transfer")
    later = member.submit(
        url + "/transfer",
        {
            "data_categories": "customer bookings\npassport numbers",
            "recipient": "Example Voyages SAS",
            "recipient_country": "fr",
            "purpose": "other",
            "action": "later",
        },
    )
    assert h1(later.text) == ["Cross-border data"] and "Bookings for the Paris office" in later.text
    resumed = member.get(url)
    assert "You have completed 1 of 5 sections." in resumed.text
    assert re.search(r'id="task-transfer".*?Completed', resumed.text, re.S)
    again = member.get(url + "/transfer").text
    assert "customer bookings\npassport numbers</textarea>" in again and 'value="FR"' in again

    # The rules' limits on the descriptions, and an empty country, in the reader's words.
    too_long = member.submit(
        url + "/transfer",
        {
            "data_categories": "x" * 101,
            "recipient": "Example Voyages SAS",
            "recipient_country": "",
            "purpose": "other",
        },
    )
    assert too_long.status_code == 400
    assert "Enter up to 50 categories, each 100 characters or fewer" in too_long.text
    assert "Select the recipient's country or region from the list" in too_long.text.replace(
        "&#39;", "'"
    )

    # A section without answers: the error summary, the inline errors, the title says Error.
    member.get(url + "/exporter")
    wrong = member.submit(url + "/exporter", {})
    assert wrong.status_code == 400 and title(wrong.text).startswith("Error: ")
    assert 'href="#ciio"' in wrong.text and 'id="ciio-error"' in wrong.text
    member.submit(url + "/exporter", {"ciio": "no", "in_ftz": "no"})
    member.get(url + "/data")
    member.submit(url + "/data", {"important_data": "no", "foreign_pi_returned": "no"})
    member.get(url + "/people")
    bad = member.submit(url + "/people", {"non_sensitive_people": "many", "sensitive_people": "0"})
    assert bad.status_code == 400 and "Enter the number of people" in bad.text
    member.submit(url + "/people", {"non_sensitive_people": "150,000", "sensitive_people": "0"})

    route = member.get(url + "/route").text
    assert "A standard contract or certification is needed (art. 8)" in route
    assert (
        "Provisions on Promoting and Regulating Cross-Border Data Flows (CAC Order No. 16) art. 8"
        in route
    )
    assert "100,000 to fewer than 1,000,000 people" in route

    check = member.get(url + "/check").text
    assert h1(check) == ["Check your answers before submitting"]
    assert "150,000 people" in check and "Example Voyages SAS" in check
    assert f'href="{url}/people#non_sensitive_people"' in check
    done = member.submit(url + "/submit", {"mechanism": "certification"})
    assert h1(done.text) == ["Filing submitted"]
    reference = re.search(r'id="reference">([^<]+)<', done.text)
    assert reference and reference.group(1).startswith("DF-")
    assert "Personal-information protection certification" in done.text
    # Submitted: no more editing; the filing page shows the route it was submitted with.
    assert member.get(url + "/people").url.path == url
    assert "Waiting for the regulator" in member.get("/dataflow").text


def test_the_route_explanation_asks_what_is_unknown_and_names_the_exemption(
    site: SiteFactory, demo_database: Database
) -> None:
    member = signed_in(site, "cn-ai-staff")
    draft = _filing(demo_database, "Tokyo")
    url = f"/dataflow/filings/{draft.id}"
    route = member.get(url + "/route").text
    assert "The route cannot be decided yet" in route
    assert re.search(rf'<a href="{url}/data#important_data">Does the data include', route)
    assert re.search(r'id="task-check".*?Cannot start yet', member.get(url).text, re.S)

    for section, answers in (
        ("transfer", {"data_categories": "member bookings", "recipient": "Example Travel K.K.",
                      "recipient_country": "JP", "purpose": "other"}),
        ("exporter", {"ciio": "no", "in_ftz": "no"}),
        ("data", {"important_data": "no", "foreign_pi_returned": "no"}),
        ("people", {"non_sensitive_people": "99999", "sensitive_people": "0"}),
    ):  # fmt: skip
        member.get(f"{url}/{section}")
        assert member.submit(f"{url}/{section}", answers).status_code == 200
    route = member.get(url + "/route").text
    assert "Exempt: nothing to file (art. 5(4))" in route
    assert "fewer than 100,000 people since 1 January" in route
    assert "(CAC Order No. 16) art. 5(4) (high confidence)" in route
    check = member.get(url + "/check").text
    assert "There is nothing to file for an exempt transfer" in check
    assert f'action="{url}/submit"' not in check
    assert re.search(r'id="task-check".*?Nothing to file', member.get(url).text, re.S)

    # In Chinese by default, the same explanation with the article in Chinese.
    chinese = site()
    chinese.sign_in("cn-ai-staff")
    zh = chinese.get(url + "/route").text
    assert "第五条第（四）项" in zh and "促进和规范数据跨境流动规定" in zh


# --- the regulator ------------------------------------------------------------------------------


def test_the_regulator_registers_or_returns_from_the_queue(
    site: SiteFactory, demo_database: Database
) -> None:
    regulator = signed_in(site, "data-regulator")
    assert regulator.get("/dataflow").url.path == "/dataflow/queue"
    queue = regulator.get("/dataflow/queue").text
    assert h1(queue) == ["Data export filings"]
    waiting = _filing(demo_database, "Hong Kong")
    assert re.search(rf'id="queue-submitted".*?/dataflow/filings/{waiting.id}"', queue, re.S)
    assert "fewer than 10,000 people since 1 January" in queue  # why: art. 8, sensitive PI
    assert "Tokyo" not in queue  # drafts are the enterprise's own

    page = regulator.get(f"/dataflow/filings/{waiting.id}").text
    assert "no term of its own" in page and 'action="/dataflow/filings/' in page
    refused = regulator.submit(f"/dataflow/filings/{waiting.id}/return", {"reasons": " "})
    assert refused.status_code == 400 and 'href="#reasons"' in refused.text
    registered = regulator.submit(f"/dataflow/filings/{waiting.id}/register", {})
    assert h1(registered.text)[0].startswith("Registration DFR-2026-")
    assert "Personal-information protection certification" in registered.text

    returned = _filing(demo_database, "road-test")
    member = signed_in(site, "cn-ai-admin")
    tasks = member.get(f"/dataflow/filings/{returned.id}").text
    assert "The data regulator returned this filing" in tasks
    assert "Attach the self-assessment report" in tasks


# --- transfers and receipts ---------------------------------------------------------------------


def test_a_transfer_past_the_threshold_is_refused_with_the_route_it_needs(
    site: SiteFactory, demo_database: Database
) -> None:
    contract = _registration(demo_database, "数据服务")
    member = signed_in(site, "xh-data-admin")
    page = member.get(f"/dataflow/registrations/{contract.id}").text
    assert "950,000" in page and "Download the receipt" in page
    url = f"/dataflow/registrations/{contract.id}/transfers/new"
    member.get(url)
    before = _count(demo_database, Transfer)
    answer = {
        "manifest_sha256": "AB" * 32,
        "record_count": "150000",
        "non_sensitive_people": "50000",
        "sensitive_people": "0",
        "transferred_on": "2026-10-30",
        "transferred_time": "14:30",
    }
    refused = member.submit(url, answer)
    assert refused.status_code == 409
    assert "This transfer would need a security assessment: nothing was recorded" in refused.text
    assert "this registration is for a standard contract or certification" in refused.text
    assert "1,000,000 people" in refused.text  # the art. 7(2) reason, with its citation
    assert _count(demo_database, Transfer) == before
    assert 'value="50000"' in refused.text  # the answers are kept

    invalid = member.submit(url, answer | {"transferred_time": "25:00", "manifest_sha256": "xyz"})
    assert invalid.status_code == 400
    assert 'href="#manifest"' in invalid.text and 'href="#transferred_time"' in invalid.text

    form = member.get(url).text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
    assert key
    once = answer | {"non_sensitive_people": "10000", "idempotency_key": key.group(1)}
    accepted = member.submit(url, once)
    assert h1(accepted.text)[0].startswith("Transfer No. ")
    again = member.submit(url, once)  # the same form sent twice: one transfer, the first
    assert again.url.path == accepted.url.path
    assert "Low confidence, unverified" in accepted.text
    # The platform has a signing key: a checkpoint covering the transfer was signed with it, so
    # the receipt is ready at once.
    assert "No signed checkpoint covers this transfer yet" not in accepted.text
    assert _count(demo_database, Transfer) == before + 1
    receipt = member.get(accepted.url.path + "/receipt")
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/json"
    assert "attachment" in receipt.headers["content-disposition"]
    assert receipt.json()["kind"] == "transfer-receipt/v1"


def test_without_javascript_the_platform_hashes_the_manifest_and_keeps_only_its_fingerprint(
    site: SiteFactory, demo_database: Database
) -> None:
    contract = _registration(demo_database, "数据服务")
    member = signed_in(site, "xh-data-admin")
    url = f"/dataflow/registrations/{contract.id}/transfers/new"
    form = member.get(url).text
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    assert "sha256sum" not in form and "64 hexadecimal" not in form
    manifest = b"record_id,category\n1,booking\n2,booking\n"
    fingerprint = hashlib.sha256(manifest).hexdigest()
    answer = {
        "record_count": "2",
        "non_sensitive_people": "2",
        "sensitive_people": "0",
        "transferred_on": "2026-10-30",
        "transferred_time": "25:00",  # wrong: the form comes back
    }
    files = {"manifest": ("bookings.csv", manifest, "text/csv")}
    again = member.submit(url, answer, files=files)
    assert again.status_code == 400 and 'href="#transferred_time"' in again.text
    # The fingerprint is kept, so the file need not be chosen again.
    assert f'name="manifest_sha256" value="{fingerprint}"' in again.text
    assert 'id="manifest-kept"' in again.text
    # Sent again as the page holds it (its hidden fingerprint), with no file.
    kept = re.search(r'name="idempotency_key" value="([^"]+)"', again.text)
    assert kept
    accepted = member.submit(
        url,
        answer
        | {
            "transferred_time": "14:30",
            "manifest_sha256": fingerprint,
            "idempotency_key": kept.group(1),
        },
    )
    assert h1(accepted.text)[0].startswith("Transfer No. ")
    with demo_database.read() as session:
        latest = session.scalar(select(Transfer).order_by(Transfer.id.desc()))
        assert latest is not None and latest.manifest_sha256 == fingerprint
    # No file and no fingerprint: the person is asked to choose the manifest.
    member.get(url)
    missing = member.submit(url, answer | {"transferred_time": "14:30"})
    assert missing.status_code == 400
    assert '<a href="#manifest">Choose the manifest of the data sent</a>' in missing.text


def test_a_downloaded_receipt_verifies_and_a_one_byte_change_does_not(
    site: SiteFactory, demo_database: Database
) -> None:
    member = signed_in(site, "cn-ai-staff")
    assessment = _registration(demo_database, "智能科技")
    page = member.get(f"/dataflow/registrations/{assessment.id}").text
    link = re.search(r'href="(/dataflow/transfers/\d+/receipt)"', page)
    assert link, "the demo's transfers are covered by its signed checkpoint"
    receipt = member.get(link.group(1)).content
    data = json.loads(receipt)
    assert data["format"] == "ftzlink-ledger-receipt/v1"

    anyone = english(site())
    assert "The latest signed checkpoint" in anyone.get("/ledger").text
    anyone.get("/ledger/verify")
    valid = anyone.submit(
        "/ledger/verify", {}, files={"receipt_file": ("receipt.json", receipt, "application/json")}
    )
    assert valid.status_code == 200 and "The receipt is valid" in valid.text
    assert "transfer-receipt/v1" in valid.text

    entry = bytearray(base64.b64decode(data["entry"]))
    entry[-2] ^= 0x01  # one byte of the logged entry
    changed = json.dumps(data | {"entry": base64.b64encode(bytes(entry)).decode()})
    refused = anyone.submit("/ledger/verify", {"receipt_text": changed})
    assert "The receipt does not verify" in refused.text
    assert "do not lead to the root hash the platform signed" in refused.text

    proof = data["tlog_proof"]
    at = proof.index("—") - 3  # a byte of the checkpoint's root hash line
    flipped = proof[:at] + ("A" if proof[at] != "A" else "B") + proof[at + 1 :]
    refused = anyone.submit(
        "/ledger/verify", {"receipt_text": json.dumps(data | {"tlog_proof": flipped})}
    )
    assert "The receipt does not verify" in refused.text

    # The readable part changed, the signed entry and proof left alone: refused, the field named.
    people = data["body"]["non_sensitive_people"]
    for field, changed_receipt in (
        (
            "body.non_sensitive_people",
            data | {"body": data["body"] | {"non_sensitive_people": people + 1}},
        ),
        ("kind", data | {"kind": "audit/v1"}),
        ("index", data | {"index": data["index"] + 1}),
    ):
        refused = anyone.submit("/ledger/verify", {"receipt_text": json.dumps(changed_receipt)})
        assert "The receipt does not verify" in refused.text, field
        assert f"The receipt&#39;s field {field} is not what the platform signed" in refused.text
    tampered = json.dumps(data | {"body": data["body"] | {"non_sensitive_people": people + 1}})
    chinese_refusal = site()
    chinese_refusal.get("/ledger/verify")
    zh_refused = chinese_refusal.submit("/ledger/verify", {"receipt_text": tampered})
    assert "收据中的字段 body.non_sensitive_people 与平台签名的内容不符" in zh_refused.text

    empty = anyone.submit("/ledger/verify", {"receipt_text": ""})
    assert empty.status_code == 400 and 'href="#receipt_file"' in empty.text
    assert title(empty.text).startswith("Error: ")

    chinese = site()
    chinese.get("/ledger/verify")
    zh = chinese.submit(
        "/ledger/verify", {}, files={"receipt_file": ("r.json", receipt, "application/json")}
    )
    assert "收据有效" in zh.text


# --- spot checks and inspections ----------------------------------------------------------------


def test_a_draw_is_recomputed_and_the_drawn_inspector_records_and_closes(
    site: SiteFactory, demo_database: Database
) -> None:
    regulator = signed_in(site, "data-regulator")
    draws = regulator.get("/dataflow/draws").text
    assert "ftzlink.example/ledger" in draws  # the latest checkpoint as published
    wrong = regulator.submit("/dataflow/draws", {"count": "0"})
    assert wrong.status_code == 400 and 'href="#count"' in wrong.text
    drawn = regulator.submit("/dataflow/draws", {"count": "1"})
    assert h1(drawn.text)[0].startswith("Draw No. ")
    assert "Recomputed: the same result" in drawn.text
    assert (
        "ftzlink/spot-check-draw/v1" in drawn.text and "How anyone can recompute it" in drawn.text
    )

    with demo_database.read() as session:
        inspection = session.scalars(select(Inspection).order_by(Inspection.id.desc())).first()
        assert inspection is not None
        drawn_user = session.get(User, inspection.inspector_id)
        assert drawn_user is not None
        inspection_id, who = inspection.id, drawn_user.username
    other = "inspector-b" if who == "inspector-a" else "inspector-a"

    outsider = signed_in(site, other)
    assert outsider.get(f"/dataflow/inspections/{inspection_id}").status_code == 404
    inspector = signed_in(site, who)
    listing = inspector.get("/dataflow/inspections").text
    assert f"/dataflow/inspections/{inspection_id}" in listing
    url = f"/dataflow/inspections/{inspection_id}"
    inspector.get(url)
    bad = inspector.submit(url + "/findings", {"findings": "", "rectification_working_days": "0"})
    assert bad.status_code == 400
    assert 'href="#findings"' in bad.text and 'href="#rectification_working_days"' in bad.text
    recorded = inspector.submit(
        url + "/findings",
        {"findings": "Access logs kept 3 months", "rectification_working_days": "20"},
    )
    assert "Rectification due" in recorded.text and "(20 working days)" in recorded.text
    assert "27 November 2026" in recorded.text  # 20 working days after 2026-11-01
    closed = inspector.submit(url + "/close", {"note": "Logs now kept 12 months"})
    assert "Closed" in closed.text and "Logs now kept 12 months" in closed.text
    assert 'action="' + url + '/close"' not in closed.text


# --- security and who sees what -----------------------------------------------------------------


def test_every_form_needs_its_csrf_token(site: SiteFactory, demo_database: Database) -> None:
    member = signed_in(site, "cn-ai-staff")
    draft = _filing(demo_database, "Tokyo")
    before = _count(demo_database, Filing)
    for path, data in (
        ("/dataflow/filings/new", {"title": "x"}),
        (f"/dataflow/filings/{draft.id}/people", {"non_sensitive_people": "1"}),
        (f"/dataflow/filings/{draft.id}/submit", {}),
    ):
        answer = member.client.post(path, data=data)
        assert answer.status_code == 403, path
    assert _count(demo_database, Filing) == before
    assert _filing(demo_database, "Tokyo").scenario == draft.scenario
    regulator = signed_in(site, "data-regulator")
    for path in ("/dataflow/checkpoints", "/dataflow/draws"):
        assert regulator.client.post(path, data={"count": "1"}).status_code == 403
    anyone = site()
    assert anyone.client.post("/ledger/verify", data={"receipt_text": "{}"}).status_code == 403


def test_who_sees_what(site: SiteFactory, demo_database: Database) -> None:
    anyone = site()
    assert anyone.get("/dataflow").url.path == "/sign-in"
    assert anyone.get("/ledger").status_code == 200
    assert anyone.get("/ledger/verify").status_code == 200

    contract = _registration(demo_database, "数据服务")
    xh_filing = _filing(demo_database, "Singapore")
    draft = _filing(demo_database, "Tokyo")
    other = signed_in(site, "cn-ai-admin")
    assert other.get(f"/dataflow/registrations/{contract.id}").status_code == 404
    assert other.get(f"/dataflow/filings/{xh_filing.id}").status_code == 404
    assert other.get("/dataflow/queue").status_code == 403
    assert other.get("/dataflow/draws").status_code == 403
    assert "Singapore" not in other.get("/dataflow").text

    regulator = signed_in(site, "data-regulator")
    assert regulator.get(f"/dataflow/filings/{draft.id}").status_code == 404
    assert regulator.get(f"/dataflow/filings/{draft.id}/people").status_code == 404
    nav = regulator.get("/dataflow/queue").text
    assert 'href="/dataflow/queue" aria-current="page">Data filings' in nav

    inspector = signed_in(site, "inspector-a")
    assert inspector.get("/dataflow/queue").status_code == 403
    assert inspector.get("/dataflow").url.path == "/dataflow/inspections"
    assert (
        'href="/dataflow/inspections" aria-current="page">Inspections'
        in inspector.get("/dataflow/inspections").text
    )
    assert inspector.get(f"/dataflow/registrations/{contract.id}/transfers/new").status_code == 404

    auditor = signed_in(site, "auditor")
    assert auditor.get("/dataflow/queue").status_code == 200
    assert 'action="/dataflow/filings/' not in auditor.get(f"/dataflow/filings/{xh_filing.id}").text


def test_without_a_signing_key_the_pages_say_so(
    demo_database: Database, make_visitor: SiteFactory, tmp_path: Path
) -> None:
    (tmp_path / "data" / "ledger.key").unlink(missing_ok=True)
    anyone = english(make_visitor())
    assert "This platform has no signing key configured." in anyone.get("/ledger").text
    anyone.get("/ledger/verify")
    refused = anyone.submit("/ledger/verify", {"receipt_text": '{"format": "x"}'})
    assert refused.status_code == 400 and "no signing key configured" in refused.text
    regulator = make_visitor()
    regulator.sign_in("data-regulator")
    english(regulator).get("/dataflow/draws")
    unsigned = regulator.submit("/dataflow/checkpoints", {})
    assert unsigned.status_code == 409 and "ftzlink ledger keygen" in unsigned.text


def test_without_a_signing_key_a_transfers_receipt_waits_for_a_checkpoint(
    demo_database: Database, make_visitor: SiteFactory, tmp_path: Path
) -> None:
    (tmp_path / "data" / "ledger.key").unlink(missing_ok=True)
    contract = _registration(demo_database, "数据服务")
    member = make_visitor()
    member.sign_in("xh-data-admin")
    english(member)
    url = f"/dataflow/registrations/{contract.id}/transfers/new"
    member.get(url)
    accepted = member.submit(
        url,
        {
            "manifest_sha256": "CD" * 32,
            "record_count": "10",
            "non_sensitive_people": "10",
            "sensitive_people": "0",
            "transferred_on": "2026-10-30",
            "transferred_time": "09:00",
        },
    )
    assert h1(accepted.text)[0].startswith("Transfer No. ")
    assert "No signed checkpoint covers this transfer yet" in accepted.text
    pending = member.get(accepted.url.path + "/receipt")
    assert pending.status_code == 409 and "The receipt is not ready yet" in pending.text

"""Certificates anyone can verify, end to end: an approved application's approval notice is
issued once, printed with the full verification address and a QR code of it; that address says
"genuine" to anyone; an altered hash does not; the downloaded file verifies offline with the
platform's public key (`ftzlink certificates verify`), and a tampered copy fails with the check
that failed and exit code 1. In Chinese and in English."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import segno
from sqlalchemy import select

from ftzlink.applications.tables import Application
from ftzlink.certificates.tables import CertificateRow
from ftzlink.db import Database
from tests.web.conftest import OPEN_DAY, SiteFactory, Visitor

GENUINE = {"zh": "真实有效", "en": "Genuine"}
NOT_GENUINE = {"zh": "不是真实有效的证书", "en": "Not genuine"}


@pytest.fixture
def site(
    demo_database: Database, make_visitor: SiteFactory, _demo_template: Path, tmp_path: Path
) -> SiteFactory:
    """The demo site, signing with the demo's ledger key (as `ftzlink demo load` leaves it)."""
    key = tmp_path / "data" / "ledger.key"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_demo_template.parent / "ledger.key", key)
    return make_visitor


def _approved(db: Database) -> Application:
    with db.read() as session:
        app = session.scalar(
            select(Application).where(Application.project_name == "城市大模型训练平台")
        )
        assert app is not None and app.status == "approved"
        return app


def _submitted(db: Database) -> Application:
    with db.read() as session:
        app = session.scalar(select(Application).where(Application.status == "submitted"))
        assert app is not None
        return app


def _in(lang: str, visitor: Visitor) -> Visitor:
    visitor.get(f"/language/{lang}?next=/")
    return visitor


def _regenerated_qr(url: str) -> str:
    """The QR code segno makes of the address shown (the page's parameters, written out)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", xmldecl=False, svgns=True, nl=False, scale=4, border=4,
        svgclass="qr", lineclass="qr__modules",
    )  # fmt: skip
    return buffer.getvalue().decode()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_printed_approval_notice_verifies_by_its_qr_code_and_offline(
    site: SiteFactory,
    demo_database: Database,
    cli: Callable[..., Any],
    tmp_path: Path,
    lang: str,
) -> None:
    app = _approved(demo_database)
    owner = _in(lang, site())
    owner.sign_in("cn-ai-admin")
    status = owner.get(f"/applications/{app.id}")
    assert f'href="/applications/{app.id}/certificate"' in status.text

    page = owner.get(f"/applications/{app.id}/certificate")
    assert page.status_code == 200
    number = re.search(r"/certificates/([A-Z]{2}-\d{4}-\d{6})\.json", page.text)
    assert number, page.text
    number_text = number.group(1)
    assert str(page.url).endswith(f"/certificates/{number_text}")
    # Every fact in both languages: the amount, the applicant, the measure.
    assert "600万元" in page.text and "6,000,000 yuan" in page.text
    assert "资金扶持核准通知书" in page.text and "Notice of Grant Approval" in page.text
    # The full address, with host, and a QR code that encodes exactly it.
    url = unescape(re.search(r'id="verification-url">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    assert url.startswith("http://testserver/verify/" + number_text + "?h=")
    svg = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg and svg.group(0) == _regenerated_qr(url)
    assert _regenerated_qr(url + "0") != svg.group(0)  # the comparison can fail

    # Asking again gives the same certificate, not a second one.
    again = owner.get(f"/applications/{app.id}/certificate")
    assert str(again.url) == str(page.url)
    with demo_database.read() as session:
        rows = session.scalars(
            select(CertificateRow).where(CertificateRow.kind == "grant-approval")
        ).all()
        assert [r.number for r in rows] == [number_text]

    # Anyone, with no account, scanning the code.
    stranger = _in(lang, site())
    verified = stranger.get(url.removeprefix("http://testserver"))
    assert verified.status_code == 200
    assert GENUINE[lang] in verified.text and NOT_GENUINE[lang] not in verified.text
    assert "6,000,000 yuan" in verified.text and app.reference in verified.text
    # An altered copy: its hash is not the signed document's.
    digest = url.rpartition("h=")[2]
    altered = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    refused = stranger.get(f"/verify/{number_text}?h={altered}")
    assert NOT_GENUINE[lang] in refused.text and GENUINE[lang] + "<" not in refused.text
    assert "6,000,000 yuan" not in refused.text  # facts are shown only for the genuine copy
    unknown = stranger.get("/verify/GA-2026-999999?h=" + digest)
    assert unknown.status_code == 404 and NOT_GENUINE[lang] in unknown.text

    # The file, checked offline with the public key alone.
    download = owner.get(f"/certificates/{number_text}.json")
    assert download.headers["content-type"].startswith("application/json")
    data = download.json()
    vkey = stranger.get("/api/v1/certificates/public-key").json()["vkey"]
    key_file = tmp_path / "platform.vkey"
    key_file.write_text(vkey + "\n", encoding="utf-8")
    good = tmp_path / "certificate.json"
    good.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    passed = cli("certificates", "verify", good, "--key", key_file, "--lang", lang)
    assert passed.code == 0, passed.err
    assert ("真实有效" if lang == "zh" else "genuine") in passed.out

    tampered = json.loads(json.dumps(data))
    for fact in tampered["document"]["facts"]:
        if fact["value"]["en"] == "6,000,000 yuan":
            fact["value"] = {"zh": "800万元", "en": "8,000,000 yuan"}
    assert tampered != data
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    failed = cli("certificates", "verify", bad, "--key", vkey, "--lang", lang)
    assert failed.code == 1
    assert ("证书无效" if lang == "zh" else "not genuine") in failed.err
    assert "signature does not verify" in failed.err

    # A receipt for another entry does not vouch for this certificate.
    swapped = json.loads(json.dumps(data))
    swapped["receipt"]["body"]["sha256"] = "0" * 64
    other = tmp_path / "swapped.json"
    other.write_text(json.dumps(swapped), encoding="utf-8")
    assert cli("certificates", "verify", other, "--key", vkey).code == 1
    assert cli("certificates", "verify", good, "--key", "not-a-key").code == 2


def test_only_those_who_see_the_application_see_its_certificate(
    site: SiteFactory, demo_database: Database
) -> None:
    app = _approved(demo_database)
    owner = site()
    owner.sign_in("cn-ai-admin")
    page = owner.get(f"/applications/{app.id}/certificate")
    number = str(page.url).rpartition("/")[2]
    other = site()
    other.sign_in("cn-air-admin")
    assert other.get(f"/certificates/{number}").status_code == 404
    assert other.get(f"/certificates/{number}.json").status_code == 404
    assert other.get(f"/applications/{app.id}/certificate").status_code == 404
    reviewer = site()
    reviewer.sign_in("cn-reviewer")
    assert reviewer.get(f"/certificates/{number}").status_code == 200
    nobody = site()
    assert "/sign-in" in str(nobody.get(f"/certificates/{number}").url)


def test_an_application_not_approved_has_no_approval_notice(
    site: SiteFactory, demo_database: Database
) -> None:
    app = _submitted(demo_database)
    reviewer = site()
    reviewer.sign_in("cn-reviewer")
    refused = reviewer.get(f"/applications/{app.id}/certificate")
    assert refused.status_code == 409
    with demo_database.read() as session:
        grants = select(CertificateRow).where(CertificateRow.kind == "grant-approval")
        assert session.scalars(grants).all() == []  # the demo's offices have theirs


def _first(db: Database, query: Any) -> Any:
    with db.read() as session:
        found = session.scalars(query).first()
        assert found is not None
        return found


@pytest.mark.parametrize(
    ("kind", "titles", "shown"),
    [
        ("invitation", ("口岸签证邀请函", "Letter of Invitation for a Port Visa"), ("Rahul Mehta", "印度", "India")),
        ("transfer", ("数据出境回执", "Receipt of a Cross-border Data Transfer"), ("Manifest SHA-256",)),
    ],
)  # fmt: skip
def test_invitations_and_transfer_receipts_print_as_bilingual_certificates_that_verify(
    site: SiteFactory,
    demo_database: Database,
    kind: str,
    titles: tuple[str, str],
    shown: tuple[str, ...],
) -> None:
    from ftzlink.certificates.document import parse_key, verify_file
    from ftzlink.dataflow.tables import Transfer
    from ftzlink.talent.invitation_tables import Invitation

    cn_ai = _first(demo_database, select(Invitation.organisation_id))  # the inviting company
    if kind == "invitation":
        path = f"/invitations/{_first(demo_database, select(Invitation.id))}/certificate"
        page_with_link = path.removesuffix("/certificate")
    else:
        transfer_id = _first(
            demo_database,
            select(Transfer.id).where(
                Transfer.organisation_id == cn_ai, Transfer.ledger_index.is_not(None)
            ),
        )
        path = f"/dataflow/transfers/{transfer_id}/certificate"
        page_with_link = path.removesuffix("/certificate")
    owner = site()
    owner.sign_in("cn-ai-admin")
    assert f'href="{path}"' in owner.get(page_with_link).text
    page = owner.get(path)
    assert page.status_code == 200, page.text
    for text in (*titles, *shown):
        assert text in page.text
    url = unescape(re.search(r'id="verification-url">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    assert GENUINE["zh"] in site().get(url.removeprefix("http://testserver")).text
    number = str(page.url).rpartition("/")[2]
    data = owner.get(f"/certificates/{number}.json").json()
    vkey = owner.get("/api/v1/certificates/public-key").json()["vkey"]
    assert verify_file(data, parse_key(vkey)).document["number"] == number
    stranger = site()
    stranger.sign_in("cn-air-admin")
    assert stranger.get(f"/certificates/{number}").status_code == 404
    assert stranger.get(path).status_code == 404


@pytest.mark.parametrize(
    ("track", "titles"),
    [
        ("work_permit", ("外国人工作许可决定书", "Decision on a Foreigner's Work Permit")),
        ("residence", ("工作类居留许可决定书", "Decision on a Residence Permit for Work")),
    ],
)
def test_both_talent_decisions_print_as_certificates_that_verify(
    site: SiteFactory, demo_database: Database, track: str, titles: tuple[str, str]
) -> None:
    from ftzlink.talent.tables import Case, Professional

    case_id = _first(
        demo_database,
        select(Case.id)
        .join(Professional, Professional.id == Case.professional_id)
        .where(Professional.full_name == "Anna Schmidt"),
    )
    owner = site()
    owner.sign_in("cn-ai-admin")
    path = f"/talent/cases/{case_id}/tracks/{track}/certificate"
    assert f'href="{path}"' in owner.get(f"/talent/cases/{case_id}").text
    page = owner.get(path)
    assert page.status_code == 200, page.text
    for text in (*titles, "Anna Schmidt", "准予许可", "Approved", "2031-09-14"):
        assert text in unescape(page.text)
    url = unescape(re.search(r'id="verification-url">([^<]+)<', page.text).group(1))  # type: ignore[union-attr]
    assert GENUINE["en"] in _in("en", site()).get(url.removeprefix("http://testserver")).text
    assert owner.get(f"/talent/cases/{case_id}/tracks/nothing/certificate").status_code == 404


def test_the_api_shows_a_certificate_to_its_owner_and_verifies_it_for_anyone(
    site: SiteFactory,
    demo_database: Database,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _approved(demo_database)
    owner = site()
    owner.sign_in("cn-ai-admin")
    number = str(owner.get(f"/applications/{app.id}/certificate").url).rpartition("/")[2]
    shown = owner.get(f"/api/v1/certificates/{number}")
    assert shown.status_code == 200
    body = shown.json()
    assert body["kind"] == "grant-approval" and not body["revoked"]
    assert body["verification_url"].endswith(f"/verify/{number}?h={body['sha256']}")
    assert body["file"]["document"]["number"] == number

    anyone = site()
    assert anyone.get(f"/api/v1/certificates/{number}").status_code == 401
    verdict = anyone.get(f"/api/v1/certificates/{number}/verify", params={"h": body["sha256"]})
    assert verdict.json()["status"] == "genuine"
    assert verdict.json()["document"]["number"] == number
    wrong = anyone.get(f"/api/v1/certificates/{number}/verify", params={"h": "ab" * 32}).json()
    assert (wrong["status"], wrong["reason"], wrong["document"]) == ("altered", "hash", None)

    monkeypatch.setenv("FTZLINK_DATABASE_URL", demo_database.url)
    listed = cli("certificates", "show", number, "--lang", "en")
    assert listed.code == 0, listed.err
    assert "Notice of Grant Approval" in listed.out and "6,000,000 yuan" in listed.out
    assert body["sha256"] in listed.out
    assert cli("certificates", "show", "GA-2026-999999").code == 3


def test_a_revoked_certificate_says_so_and_asking_again_issues_its_replacement(
    site: SiteFactory, demo_database: Database
) -> None:
    from ftzlink.auth import service as auth
    from ftzlink.auth.tables import User
    from ftzlink.certificates import service
    from ftzlink.errors import Forbidden

    app = _approved(demo_database)
    owner = site()
    owner.sign_in("cn-ai-admin")
    first = owner.get(f"/applications/{app.id}/certificate")
    number = str(first.url).rpartition("/")[2]
    url = unescape(re.search(r'id="verification-url">([^<]+)<', first.text).group(1))  # type: ignore[union-attr]
    with demo_database.write() as session:
        owner_user = session.scalar(select(User).where(User.username == "cn-ai-admin"))
        admin_user = session.scalar(select(User).where(User.username == "admin"))
        assert owner_user is not None and admin_user is not None
        with pytest.raises(Forbidden):
            service.revoke(
                session,
                principal=auth.principal_for(owner_user),
                number=number,
                today=OPEN_DAY,
            )
        service.revoke(
            session,
            principal=auth.principal_for(admin_user),
            number=number,
            today=OPEN_DAY,
        )
    page = _in("en", site()).get(url.removeprefix("http://testserver"))
    assert "Revoked" in page.text and "The platform revoked this certificate." in page.text
    assert "Genuine<" not in page.text
    second = owner.get(f"/applications/{app.id}/certificate")
    assert str(second.url).rpartition("/")[2] != number
    with demo_database.read() as session:
        old = session.scalar(select(CertificateRow).where(CertificateRow.number == number))
        assert old is not None and old.replaced_by is not None

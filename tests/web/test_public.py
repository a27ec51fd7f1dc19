"""Public pages without signing in: zones and the finder, policies and measures, and the checker
that asks only what the engine still needs, one question per page, with the answers in the address."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ftzlink.catalogue.models import Catalogue
from ftzlink.profiles.fields import profile_fields
from ftzlink.profiles.models import EnterpriseProfile
from ftzlink.profiles.uscc import make_uscc
from ftzlink.rules.evaluate import evaluate
from tests.web.conftest import AFTER_EXPIRY, SiteFactory, Visitor


def _question(url: str) -> str:
    path = urlsplit(url).path
    assert path.startswith("/check/question/"), url
    return path.removeprefix("/check/question/")


def test_the_finder_finds_huangpu_by_xintiandi_in_either_language(visitor: Visitor) -> None:
    for query in ("新天地", "Xintiandi", "xin tian di"):
        page = visitor.get("/zones", params={"q": query})
        assert page.status_code == 200
        assert 'href="/zones/huangpu"' in page.text
        assert 'href="/zones/xuhui"' not in page.text


def test_the_finder_says_so_when_nothing_matches(visitor: Visitor) -> None:
    page = visitor.get("/zones", params={"q": "Atlantis"})
    assert "没有匹配的联动创新区" in page.text or "/zones/" not in page.text.split("</form>")[1]


def test_htmx_gets_only_the_finder_results(visitor: Visitor) -> None:
    page = visitor.get("/zones", params={"q": "Xintiandi"}, headers={"HX-Request": "true"})
    assert "<html" not in page.text
    assert 'href="/zones/huangpu"' in page.text


def test_a_zone_page_shows_its_area_sub_areas_focus_and_policies(visitor: Visitor) -> None:
    page = visitor.get("/zones/huangpu")
    assert page.status_code == 200
    assert "新天地" in page.text and "14" in page.text
    assert 'href="/policies/linked-zones-2024"' in page.text
    assert 'href="/measures/hp-overseas-financial-qualifications"' in page.text
    assert 'href="/measures/xh-ai-industry-integration"' not in page.text  # Xuhui's own


def test_an_unknown_zone_policy_or_measure_is_not_found(visitor: Visitor) -> None:
    for url in ("/zones/atlantis", "/policies/nothing", "/measures/nothing"):
        assert visitor.get(url).status_code == 404


def test_a_measure_page_shows_who_qualifies_cap_validity_and_clause(visitor: Visitor) -> None:
    page = visitor.get("/language/en?next=/measures/cn-trial-green")
    assert "Green" in page.text
    assert "5,000,000 yuan" in page.text
    assert "Part II, B.4" in page.text
    assert "In force" in page.text
    assert "15 November 2024" in page.text and "14 November 2026" in page.text


def test_after_the_trial_ends_its_measures_show_expired_with_the_end_date(
    make_visitor: SiteFactory,
) -> None:
    visitor = make_visitor(today=AFTER_EXPIRY)
    page = visitor.get("/measures/cn-trial-green")
    assert "已失效" in page.text
    assert "2026年11月14日" in page.text
    policies = visitor.get("/policies")
    assert "已失效" in policies.text


def engine_next(catalogue: Catalogue, data: dict[str, Any], day: dt.date) -> str | None:
    """The first question the engine itself still needs for these answers."""
    uscc = make_uscc("9", "1", "310000", "00000000")
    profile = EnterpriseProfile.model_validate({"name": "x", "uscc": uscc, **data})
    for d in evaluate(catalogue, profile, day):
        for q in d.questions:
            return q.field
    return None


def answer_for(field: str, page: str, chosen: dict[str, str]) -> str:
    """What the test answers: its own pick, else yes, 2, or the first choice offered."""
    spec = profile_fields()[field]
    if field in chosen:
        return chosen[field]
    if spec.type == "bool":
        return "yes"
    if spec.type == "int":
        return "2"
    found = re.search(r'name="answer" type="(?:radio|checkbox)" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def record(data: dict[str, Any], field: str, given: str) -> None:
    """The answer as the profile holds it."""
    spec = profile_fields()[field]
    value: Any = given
    if spec.type == "bool":
        value = given == "yes"
    elif spec.type == "int":
        value = int(given.replace(",", ""))
    elif field == "projects":
        value = [] if given == "none" else [{"name": given, "kind": given}]
    head, _, rest = field.partition(".")
    if rest:
        data.setdefault(head, {})[rest] = value
    else:
        data[head] = value


def test_the_checker_asks_only_the_engines_questions_then_shows_every_measure(
    make_visitor: SiteFactory, catalogue: Catalogue
) -> None:
    visitor = make_visitor(today=AFTER_EXPIRY)
    visitor.get("/check")
    page = visitor.submit("/check", {"zone": "unknown"})
    asked: list[str] = []
    data: dict[str, Any] = {}
    chosen = {"zone": "changning", "multinational": "no", "legal_form": "corporate"}
    while urlsplit(str(page.url)).path != "/check/result":
        field = _question(str(page.url))
        assert field == engine_next(catalogue, data, AFTER_EXPIRY)
        asked.append(field)
        given = answer_for(field, page.text, chosen)
        record(data, field, given)
        page = visitor.submit(str(page.url), {"answer": given})
        assert page.status_code == 200
    assert asked[0] == "zone" and len(asked) == len(set(asked)) > 3
    assert engine_next(catalogue, data, AFTER_EXPIRY) is None
    assert page.text.count('class="determination"') == len(catalogue.measures())
    green = page.text.split('id="measure-cn-trial-green"')[1].split("</section>")[0]
    assert "已失效" in green and "2026年11月14日" in green and "第二部分（二）4." in green
    assert "/applications/new?measure=cn-plan-authorized-handling" in page.text


def test_an_empty_answer_is_an_error_linked_to_the_question(visitor: Visitor) -> None:
    visitor.get("/check")
    page = visitor.submit("/check", {"zone": "changning"})
    url = str(page.url)
    page = visitor.submit(url, {})
    assert page.status_code == 400
    assert re.search(r"<title>错误：", page.text)
    assert 'href="#answer"' in page.text


def test_a_number_answer_is_parsed_strictly_and_kept_when_wrong(
    make_visitor: SiteFactory,
) -> None:
    visitor = make_visitor(today=AFTER_EXPIRY)
    visitor.get("/check/question/talent.foreign_professionals?zone=changning")
    page = visitor.submit(
        "/check/question/talent.foreign_professionals?zone=changning", {"answer": "three"}
    )
    assert page.status_code == 400
    assert 'value="three"' in page.text
    page = visitor.submit(
        "/check/question/talent.foreign_professionals?zone=changning", {"answer": "1,200"}
    )
    assert page.status_code == 200
    assert ("talent.foreign_professionals", "1,200") in parse_qsl(urlsplit(str(page.url)).query)


def test_the_checker_start_refuses_a_date_that_is_not_real(visitor: Visitor) -> None:
    visitor.get("/check")
    page = visitor.submit("/check", {"zone": "unknown", "as_of": "2026-02-30"})
    assert page.status_code == 400
    assert 'href="#as_of"' in page.text
    assert 'value="2026-02-30"' in page.text


def test_the_as_of_date_decides_whether_the_trial_is_expired(visitor: Visitor) -> None:
    before = visitor.get("/check/result?as_of=2026-11-01&zone=changning")
    after = visitor.get("/check/result?as_of=2026-11-24&zone=changning")
    assert 'id="measure-cn-trial-green"' in before.text
    green = lambda text: text.split('id="measure-cn-trial-green"')[1].split("</section>")[0]  # noqa: E731
    assert "tag--expired" not in green(before.text)
    assert "tag--expired" in green(after.text)


def test_a_question_form_without_its_csrf_token_is_refused(visitor: Visitor) -> None:
    answer = visitor.client.post("/check/question/zone", data={"answer": "huangpu"})
    assert answer.status_code == 403


def test_a_question_is_asked_as_a_question_and_an_empty_answer_says_what_is_missing(
    visitor: Visitor,
) -> None:
    url = "/check/question/multinational?zone=changning"
    page = visitor.get(url)
    assert "贵企业是否为跨国公司或其地区总部？" in page.text
    page = visitor.submit(url, {})
    assert page.status_code == 400
    assert "请选择贵企业是否为跨国公司或其地区总部" in page.text
    assert "请选择一项" not in page.text


def test_the_result_lists_what_can_be_got_first_and_folds_the_rest(
    make_visitor: SiteFactory,
) -> None:
    visitor = make_visitor(today=AFTER_EXPIRY)
    page = visitor.get("/check/result?zone=changning&multinational=no&legal_form=corporate")
    ids = re.findall(r'<section class="result-section" id="section-(\w+)"', page.text)
    order = ["eligible", "needs_info", "ineligible", "not_yet_effective", "expired"]
    assert ids == sorted(ids, key=order.index) and "expired" in ids
    for status in ids:
        assert f'href="#section-{status}"' in page.text
    expired = page.text.split('id="section-expired"')[1].split('class="result-section"')[0]
    assert '<details class="result-section__fold">' in expired

"""The foreign-talent journey in a real browser, in Chinese and English, with JavaScript on and off:
an employer files one application for a professional with a spouse and a child; the work-permit
officer accepts and approves; the exit-entry officer accepts and approves within the limit; the
status page shows both tracks after every step, and the family's permits end with the principal's.
Every talent page is checked with axe (JavaScript on), blank and in an error state."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.conftest import Site, SiteFactory, assert_accessible, screenshot

TODAY = dt.date(2026, 11, 2)  # a Monday within the working-day calendar's years
PDF = b"%PDF-1.4\n% a scanned test document\n%%EOF\n"
WP_FROM, WP_UNTIL = "2026-11-09", "2028-11-08"


def _axe(page: Any, javascript: bool, what: str) -> None:
    if javascript:  # axe runs in the page: only where scripts may run
        assert_accessible(page, what)


def _click(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).first.click()


def _tracks(page: Any, expected: dict[str, str]) -> None:
    """The status page shows both tracks, in the states expected."""
    from playwright.sync_api import expect

    for kind, state in expected.items():
        expect(page.locator(f"#track-{kind}[data-state={state}]")).to_have_count(1)


def _fill_person(page: Any, person: dict[str, str]) -> None:
    for field, value in person.items():
        if field == "nationality":  # the country picker: a select, searchable with JavaScript
            page.select_option(f"#{field}", value)
        else:
            page.fill(f"#{field}", value)


@pytest.fixture
def talent_site(make_site: SiteFactory) -> Site:
    return make_site(TODAY)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_application_two_tracks_decided_side_by_side(
    talent_site: Site, lang: str, javascript: bool
) -> None:
    from playwright.sync_api import expect

    site = talent_site
    employer = site.signed_in("cn-ai-admin", lang=lang, javascript=javascript)
    employer.goto("/talent")
    _axe(employer, javascript, f"talent dashboard ({lang})")

    # A professional: the blank form, then its error state, then the details.
    employer.goto("/talent/professionals/new")
    _axe(employer, javascript, f"add a professional ({lang})")
    _click(employer, "main form button[type=submit]")
    expect(employer.locator(".error-summary")).to_have_count(1)
    _axe(employer, javascript, f"add a professional, errors ({lang})")
    _fill_person(
        employer,
        {
            "full_name": "Anna Weber",
            "nationality": "DEU",
            "passport_number": "T9B000047",
            "passport_expiry": "2034-05-01",
            "birth_date": "1988-04-12",
            "experience_years": "9",
            "annual_salary_yuan": "900000",
            "post": "Head of AI research",
        },
    )
    employer.select_option("#education", "doctorate")
    employer.select_option("#chinese_level", "hsk3")
    _click(employer, "main form button[type=submit]")
    expect(employer.locator("#professional")).to_contain_text("T9B000047")
    _axe(employer, javascript, f"a professional ({lang})")
    professional = employer.url

    # The family: a spouse and a child, each through the form (the first in its error state).
    for n, (relation, name, passport, birth) in enumerate(
        [
            ("#relation", "Jonas Weber", "T9B000048", "1987-03-03"),
            ("#relation-2", "Mia Weber", "T9B000049", "2017-07-07"),
        ]
    ):
        employer.locator("a[href$='/family/new']").click()
        employer.wait_for_url("**/family/new")
        if n == 0:
            _axe(employer, javascript, f"add a family member ({lang})")
            _click(employer, "main form button[type=submit]")
            expect(employer.locator(".error-summary")).to_have_count(1)
            _axe(employer, javascript, f"add a family member, errors ({lang})")
        employer.check(relation)
        _fill_person(
            employer,
            {
                "full_name": name,
                "nationality": "DEU",
                "passport_number": passport,
                "passport_expiry": "2033-01-01",
                "birth_date": birth,
            },
        )
        _click(employer, "main form button[type=submit]")
        employer.wait_for_url(professional)
    expect(employer.locator("#family tbody tr")).to_have_count(2)

    # The application as a task list.
    _click(employer, "a[href^='/talent/cases/new']")
    _axe(employer, javascript, f"start an application ({lang})")
    _click(employer, "main form button[type=submit]")
    expect(employer.locator("#tasks")).to_have_count(1)
    case_url = employer.url
    _axe(employer, javascript, f"task list ({lang})")

    _click(employer, "#task-category a")
    _axe(employer, javascript, f"category ({lang})")
    _click(employer, "main form button:not([name])")
    expect(employer.locator(".error-summary")).to_have_count(1)
    _axe(employer, javascript, f"category, errors ({lang})")
    employer.check("#work_permit_category")  # A
    _click(employer, "main form button:not([name])")
    employer.wait_for_url(case_url)

    # Submitting before the documents are uploaded: the check page names each missing one.
    employer.goto(case_url + "/check")
    _click(employer, "main form[action$='/submit'] button")
    expect(employer.locator(".error-summary li")).to_have_count(3)
    _axe(employer, javascript, f"check answers, errors ({lang})")
    employer.goto(case_url)

    _click(employer, "#task-family a")
    _axe(employer, javascript, f"family included ({lang})")
    employer.check("#family")
    employer.check("#family-2")
    _click(employer, "main form button:not([name])")

    # About the post: one answer, saved for later; the task list resumes from the dashboard.
    _click(employer, "#task-post a")
    _axe(employer, javascript, f"about the post ({lang})")
    employer.check("#fact-high-level-professional")  # yes
    employer.fill("#fact-months-in-china-per-year", "13")
    _click(employer, "main form button:not([name])")
    expect(employer.locator(".error-summary")).to_have_count(1)
    _axe(employer, javascript, f"about the post, errors ({lang})")
    employer.fill("#fact-months-in-china-per-year", "12")
    _click(employer, "button[name=action][value=later]")
    employer.wait_for_url("**/talent")
    _click(employer, f"a[href='{case_url.split(site.base_url)[1]}']")
    expect(employer.locator("#task-post-status")).to_have_text(
        "进行中" if lang == "zh" else "In progress"
    )

    # Documents: each required one uploaded once (the first attempt without a file).
    _click(employer, "#task-documents a")
    _axe(employer, javascript, f"documents ({lang})")
    for n, kind in enumerate(("passport", "photo", "employer_letter")):
        employer.select_option("#kind", kind)
        if n == 0:
            _click(employer, "main form button:not([name])")
            expect(employer.locator(".error-summary")).to_have_count(1)
            _axe(employer, javascript, f"documents, errors ({lang})")
            employer.select_option("#kind", kind)
        employer.set_input_files(
            "#file", files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        _click(employer, "main form button:not([name])")
        expect(employer.locator("#documents tbody tr")).to_have_count(n + 1)
    _click(employer, "button[name=action][value=done]")
    expect(employer.locator("#task-documents-status")).to_have_text(
        "已完成" if lang == "zh" else "Completed"
    )
    if javascript:
        screenshot(employer, f"talent-tasks-{lang}")

    _click(employer, "#task-check a")
    expect(employer.locator("#record-family")).to_contain_text("Mia Weber")
    _axe(employer, javascript, f"check answers ({lang})")
    _click(employer, "main form[action$='/submit'] button")
    reference = employer.locator("#reference").inner_text()
    assert reference.startswith("TAL-2026-")
    _axe(employer, javascript, f"confirmation ({lang})")
    employer.goto(case_url)
    _tracks(employer, {"work_permit": "received", "residence": "received"})
    _axe(employer, javascript, f"status page, filed ({lang})")

    # The work-permit officer, in a browser of its own: the queue, accept, approve.
    work = site.signed_in("work-permits", lang=lang, javascript=javascript)
    work.goto("/talent/queue/work-permit")
    _axe(work, javascript, f"work-permit queue ({lang})")
    work.select_option("#state", "received")
    work.locator("form.filters button[type=submit]").click()
    expect(work.locator(f"#queue a:text-is('{reference}')")).to_have_count(1)
    _axe(work, javascript, f"work-permit queue, filtered ({lang})")
    _click(work, f"#queue a:text-is('{reference}')")
    _tracks(work, {"work_permit": "received", "residence": "received"})
    expect(work.locator("form[action*='/tracks/residence/']")).to_have_count(0)
    _axe(work, javascript, f"case for the work-permit officer ({lang})")
    _click(work, "#accept")
    _tracks(work, {"work_permit": "accepted", "residence": "received"})
    employer.reload()
    _tracks(employer, {"work_permit": "accepted", "residence": "received"})
    work.fill("#valid_from", WP_FROM)
    work.fill("#valid_until", "")
    _click(work, "form[action$='/approve'] button")
    expect(work.locator(".error-summary")).to_have_count(1)
    _axe(work, javascript, f"approve the work permit, errors ({lang})")
    work.fill("#valid_from", WP_FROM)
    work.fill("#valid_until", WP_UNTIL)
    _click(work, "form[action$='/approve'] button")
    _tracks(work, {"work_permit": "approved", "residence": "received"})
    employer.reload()
    _tracks(employer, {"work_permit": "approved", "residence": "received"})

    # The exit-entry officer: accepts, sees the longest permit allowed, approves within it.
    police = site.signed_in("exit-entry", lang=lang, javascript=javascript)
    police.goto("/talent/queue/residence")
    _axe(police, javascript, f"residence queue ({lang})")
    _click(police, f"#queue a:text-is('{reference}')")
    expect(police.locator("form[action*='/tracks/work_permit/']")).to_have_count(0)
    _click(police, "#accept")
    _tracks(police, {"work_permit": "approved", "residence": "accepted"})
    employer.reload()
    _tracks(employer, {"work_permit": "approved", "residence": "accepted"})
    expect(police.locator("#residence-limit")).to_contain_text("2028")
    police.fill("#valid_from", WP_FROM)
    police.fill("#valid_until", "2028-11-09")  # a day beyond the work permit
    _click(police, "form[action$='/approve'] button")
    expect(police.locator(".error-summary")).to_contain_text(
        "2028年11月8日" if lang == "zh" else "8 November 2028"
    )
    _axe(police, javascript, f"approve the residence permit, errors ({lang})")
    police.fill("#valid_from", WP_FROM)
    police.fill("#valid_until", WP_UNTIL)
    _click(police, "form[action$='/approve'] button")
    _tracks(police, {"work_permit": "approved", "residence": "approved"})

    employer.reload()
    _tracks(employer, {"work_permit": "approved", "residence": "approved"})
    expect(employer.locator(f"#family td[data-end='{WP_UNTIL}']")).to_have_count(2)
    expect(employer.locator("#points-notice")).to_have_count(1)
    _axe(employer, javascript, f"status page, decided ({lang})")
    if javascript:
        screenshot(employer, f"talent-status-{lang}")

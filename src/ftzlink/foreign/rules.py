"""The rules that decide a representative office's filings, pure: no database, no HTTP.

Each refusal is a typed error (`ftzlink.errors.RuleRefused` and its kinds) naming the rule, its
source and its article; each time limit is counted in the unit its source uses, calendar days or
working days on the platform's calendar (`ftzlink.workdays`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ftzlink.errors import (
    LateFiling,
    OfficeNameForm,
    ParentTooYoung,
    RepresentativeBarred,
    ScopeNotPermitted,
    TermBeyondParent,
    TooManyRepresentatives,
)
from ftzlink.foreign.models import Citation, FilingKind, ForeignRules, Material, TimeLimit
from ftzlink.talent.rules import add_years
from ftzlink.workdays import WorkCalendar

__all__ = [
    "Due",
    "MaterialRequirement",
    "OfficeParticulars",
    "Person",
    "authentication_route",
    "check_establishment",
    "check_in_time",
    "check_people",
    "check_scope",
    "check_term",
    "count",
    "expected_name",
    "materials_for",
    "place_label",
]


@dataclass(frozen=True)
class Person:
    """A chief representative or representative, with what Art. 12 asks about them."""

    name: str
    document: str  # passport or ID number as filed
    sentenced_for_security: bool = False  # Art. 12(1)
    revoked_office_on: dt.date | None = None  # Art. 12(2): served an office revoked/closed then


@dataclass(frozen=True)
class OfficeParticulars:
    """The registered items of Art. 9, as filed."""

    name: str
    parent_name: str  # the parent's Chinese name
    parent_nationality: str  # as it opens the office's name: 法国, 中国香港 …
    parent_jurisdiction: str  # ISO 3166 alpha-2, or HK / MO / TW
    parent_established_on: dt.date
    parent_existence_until: dt.date | None  # None: no end to the parent's existence
    city: str
    premises: str
    scope: tuple[str, ...]  # activity codes of Art. 14
    profit_making: bool
    chief: Person
    representatives: tuple[Person, ...] = field(default=())
    term_until: dt.date | None = None


def _refuse_args(c: Citation) -> dict[str, str]:
    return {"source": c.source, "article": c.clause}


def expected_name(p: OfficeParticulars, rules: ForeignRules) -> str:
    """The name Art. 10 gives: nationality + the parent's Chinese name + city + 代表处."""
    return f"{p.parent_nationality}{p.parent_name}{p.city}{rules.office.name_suffix.value}"


def check_people(
    chief: Person | None, representatives: tuple[Person, ...], rules: ForeignRules, on: dt.date
) -> None:
    office = rules.office
    persons = ([chief] if chief else []) + list(representatives)
    if len(representatives) > office.max_representatives.value:
        raise TooManyRepresentatives(
            f"an office has one chief representative and at most "
            f"{office.max_representatives.value} representatives; {len(persons)} persons filed",
            rule="max_representatives",
            **_refuse_args(office.max_representatives),
        )
    barred = office.barred_years_after_revocation
    for person in persons:
        if person.sentenced_for_security:
            raise RepresentativeBarred(
                f"{person.name} was sentenced for harming national security or the public "
                "interest and may not serve as a representative",
                rule="barred_sentenced",
                source=barred.source,
                article="Art. 12(1)",
            )
        revoked = person.revoked_office_on
        if revoked is not None and on < add_years(revoked, barred.value):
            raise RepresentativeBarred(
                f"{person.name} served an office revoked or closed on {revoked.isoformat()}; "
                f"{barred.value} years have not passed",
                rule="barred_after_revocation",
                **_refuse_args(barred),
            )


def check_establishment(p: OfficeParticulars, rules: ForeignRules, *, on: dt.date) -> None:
    """Refuse an establishment that breaks a rule of the regulation, citing the article."""
    office = rules.office
    years = office.parent_min_years
    if on < add_years(p.parent_established_on, years.value):
        raise ParentTooYoung(
            f"the parent was established on {p.parent_established_on.isoformat()}: it has not "
            f"existed {years.value} years",
            rule="parent_min_years",
            **_refuse_args(years),
        )
    check_people(p.chief, p.representatives, rules, on)
    check_scope(p.scope, p.profit_making, rules)
    if p.name != expected_name(p, rules):
        raise OfficeNameForm(
            f"the name must read nationality + the parent's Chinese name + city + "
            f"{office.name_suffix.value}: {expected_name(p, rules)}",
            rule="name_form",
            **_refuse_args(office.name_suffix),
        )
    check_term(p.term_until, p.parent_existence_until, rules)


def check_scope(scope: tuple[str, ...], profit_making: bool, rules: ForeignRules) -> None:
    """Art. 13: no profit-making; Art. 14: only the listed activities."""
    office = rules.office
    if profit_making:
        raise ScopeNotPermitted(
            "an office may not carry on profit-making activity",
            rule="no_profit_making",
            **_refuse_args(office.no_profit_making),
        )
    unknown = [code for code in scope if rules.activity(code) is None]
    if unknown or not scope:
        art14 = rules.activities[0]
        raise ScopeNotPermitted(
            f"the business scope is limited to the activities of Art. 14; not permitted: "
            f"{', '.join(unknown) or 'an empty scope'}",
            rule="scope_art_14",
            source=art14.source,
            article="Art. 14",
        )


def check_term(
    term_until: dt.date | None, parent_until: dt.date | None, rules: ForeignRules
) -> None:
    rule = rules.office.term_within_parent_existence
    if term_until is not None and parent_until is not None and term_until > parent_until:
        raise TermBeyondParent(
            f"the residence term ({term_until.isoformat()}) may not go beyond the parent's "
            f"existence ({parent_until.isoformat()})",
            rule="term_within_parent_existence",
            **_refuse_args(rule),
        )


@dataclass(frozen=True)
class Due:
    """A time limit's last day, the limit it comes from, and whether an unloaded (provisional)
    year of the working-day calendar was counted through."""

    day: dt.date
    limit: TimeLimit
    provisional: bool = False


def count(limit: TimeLimit, start: dt.date, calendar: WorkCalendar) -> Due:
    """`start` + the limit in its own unit; the start day itself is not counted."""
    if limit.unit == "working":
        counted = calendar.add_working_days(start, limit.days)
        return Due(counted.day, limit, counted.provisional)
    return Due(start + dt.timedelta(days=limit.days), limit)


def check_in_time(
    kind: FilingKind,
    *,
    rules: ForeignRules,
    calendar: WorkCalendar,
    filed_on: dt.date,
    event_on: dt.date | None,
    approval_on: dt.date | None,
    term_until: dt.date | None,
) -> Due | None:
    """Refuse a change, filing or deregistration filed after its time limit, or an extension
    filed outside the 60 days before the term ends; the limit that applied otherwise."""
    limits = rules.time_limits
    due: Due | None = None
    if kind is FilingKind.EXTENSION:
        if term_until is None:
            return None
        window = limits["extension_window"]
        opens = term_until - dt.timedelta(days=window.days)
        if not opens <= filed_on <= term_until:
            raise LateFiling(
                f"an extension is filed in the {window.days} days before the term ends "
                f"({opens.isoformat()} – {term_until.isoformat()})",
                rule="extension_window",
                first_day=opens,
                last_day=term_until,
                source=window.source,
                article=window.clause,
            )
        return Due(term_until, window)
    if kind is FilingKind.CHANGE and approval_on is not None:
        due = count(limits["change_after_approval"], approval_on, calendar)
    elif kind in (FilingKind.CHANGE, FilingKind.FILING, FilingKind.DEREGISTRATION):
        if event_on is None:
            return None
        due = count(limits[kind.value], event_on, calendar)
    if due is not None and filed_on > due.day:
        raise LateFiling(
            f"a {kind.value} is filed within {due.limit.days} days; the time limit ended on "
            f"{due.day.isoformat()}",
            rule=f"{kind.value}_time_limit",
            last_day=due.day,
            source=due.limit.source,
            article=due.limit.clause,
        )
    return due


def place_label(code: str, rules: ForeignRules, lang: str = "zh") -> str:
    """HK, MO and TW as 中国香港 / 中国澳门 / 中国台湾, never as countries; states by name."""
    place = rules.region(code) or rules.state_party(code)
    if place is None:
        return code
    return place.zh if lang == "zh" else place.en


def authentication_route(code: str, rules: ForeignRules, *, on: dt.date) -> tuple[str, str | None]:
    """How a document made in `code` is authenticated on `on`: (route, note). A state not known
    to be a party is asked for legalisation, the default of Rules-2022 Art. 24."""
    region = rules.region(code)
    if region is not None:
        assert region.route is not None
        return region.route, None
    auth = rules.authentication
    if rules.state_party(code) is not None and on >= auth.apostille_in_force.value:
        return "apostille", None
    note = None
    if not auth.states_list_complete.value:
        note = "apostille_list_incomplete"
    return "legalisation", note


@dataclass(frozen=True)
class MaterialRequirement:
    material: Material
    authentication: str | None  # a route of rules.authentication.routes, for foreign documents
    note: str | None = None


def materials_for(
    kind: FilingKind, jurisdiction: str, rules: ForeignRules, *, on: dt.date
) -> list[MaterialRequirement]:
    """The materials a filing of `kind` needs, each foreign document with its authentication."""
    route, note = authentication_route(jurisdiction, rules, on=on)
    return [
        MaterialRequirement(
            m, route if m.foreign_document else None, note if m.foreign_document else None
        )
        for m in rules.materials
        if kind in m.kinds
    ]

"""The port-visa rules as data (catalogue/data/talent/port_visa.yaml, with citations) and the
nationalities an invitation names (ISO 3166-1 alpha-2, named in the reader's language)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter

from ftzlink import countries as _countries
from ftzlink.catalogue.loader import _parse as parse_file  # the same file:line reporting
from ftzlink.errors import CatalogueError, Problem
from ftzlink.talent.loader import TALENT_DIR
from ftzlink.talent.models import Choice, TalentCitation, TalentSource
from ftzlink.text import Lang

__all__ = [
    "PORT_VISA_FILE",
    "Choices",
    "Cited",
    "PortVisaRules",
    "Terms",
    "bundled_port_visa_rules",
    "countries",
    "country_name",
    "load_port_visa_rules",
]

# --- the rules, as data -------------------------------------------------------------------------


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Data):
    citation: TalentCitation


class Terms(_Data):
    """What every invitation states: entries, days to enter after issue, longest stay."""

    entries: int
    enter_within_days: int
    max_stay_days: int
    citation: TalentCitation


class Choices(_Data):
    citation: TalentCitation
    choices: list[Choice]

    def ids(self) -> list[str]:
        return [c.id for c in self.choices]

    def label(self, value: str, lang: Lang) -> str:
        choice = next((c for c in self.choices if c.id == value), None)
        return choice.label.get(lang) if choice else value


class PortVisaRules(_Data):
    sources: list[TalentSource]
    inviters: Cited
    terms: Terms
    visa_types: Choices
    activities: Choices

    def source(self, source_id: str) -> TalentSource:
        return next(s for s in self.sources if s.id == source_id)


PORT_VISA_FILE = TALENT_DIR / "port_visa.yaml"


def load_port_visa_rules(path: Path = PORT_VISA_FILE) -> PortVisaRules:
    """Load the port-visa facts; raise CatalogueError naming file:line: field of every problem."""
    problems: list[Problem] = []
    parsed = parse_file(path, TypeAdapter(PortVisaRules), problems)
    if parsed is None:
        raise CatalogueError(f"the port visa rules in {path} are invalid", problems)
    rules, document = parsed
    known = {s.id for s in rules.sources}
    cited: list[tuple[tuple[str, ...], TalentCitation]] = [
        (("inviters", "citation"), rules.inviters.citation),
        (("terms", "citation"), rules.terms.citation),
        (("visa_types", "citation"), rules.visa_types.citation),
        (("activities", "citation"), rules.activities.citation),
    ]
    for loc, citation in cited:
        if citation.source not in known:
            problems.append(document.problem(loc, f"{citation.source!r} is not a source here"))
    for name in ("entries", "enter_within_days", "max_stay_days"):
        if getattr(rules.terms, name) < 1:
            problems.append(document.problem(("terms", name), "must be at least 1"))
    for name, choices in (("visa_types", rules.visa_types), ("activities", rules.activities)):
        ids = choices.ids()
        if not ids:
            problems.append(document.problem((name, "choices"), "name at least one"))
        for i, choice_id in enumerate(ids):
            if choice_id in ids[:i]:
                problems.append(document.problem((name, "choices", i), f"{choice_id!r} twice"))
    if problems:
        raise CatalogueError(f"the port visa rules in {path} are invalid", problems)
    return rules


@cache
def bundled_port_visa_rules() -> PortVisaRules:
    return load_port_visa_rules()


# --- nationality: ISO 3166-1 alpha-2, named by ftzlink.countries ------------------------------


def countries(lang: Lang) -> list[tuple[str, str]]:
    """(alpha-2 code, name) for every foreign country, in the reader's order (pinyin in Chinese);
    never China nor a region of China."""
    return [(c.alpha2, c.name(lang)) for c in _countries.countries(lang)]


def country_name(code: str, lang: Lang) -> str:
    return _countries.country_name(code, lang)

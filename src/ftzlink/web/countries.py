"""The country picker: the options of a country list for a search typed into it (htmx swaps them
into the <select>; without JavaScript the whole list is there)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from ftzlink import countries
from ftzlink.text import Lang
from ftzlink.web.context import WebPage
from ftzlink.web.forms import N_

__all__ = ["country_groups", "router"]

router = APIRouter(include_in_schema=False)

Codes = Literal["alpha2", "alpha3"]
REGIONS_GROUP = N_("Regions of China: Hong Kong, Macao, Taiwan")


def country_groups(
    lang: Lang, *, codes: Codes = "alpha2", regions: bool = False, query: str = "", keep: str = ""
) -> list[tuple[str | None, list[tuple[str, str]]]]:
    """(group label or None, [(code, name)]) for a picker: the foreign countries, then, where the
    form is about enterprises or documents, the regions of China in a group of their own. `keep`
    (the chosen code) stays in the list whatever the search."""

    def options(items: tuple[countries.Country, ...]) -> list[tuple[str, str]]:
        return [
            (getattr(c, codes), c.name(lang))
            for c in items
            if countries.matches(c, query) or getattr(c, codes) == keep
        ]

    groups: list[tuple[str | None, list[tuple[str, str]]]] = [
        (None, options(countries.countries(lang)))
    ]
    if regions:
        groups.append((REGIONS_GROUP, options(countries.regions_of_china(lang))))
    return groups


@router.get("/countries")
def options(web: WebPage) -> Response:
    """The <option>s of a picker for what was typed into its search box."""
    params = web.request.query_params
    field = params.get("field", "")
    codes: Codes = "alpha3" if params.get("codes") == "alpha3" else "alpha2"
    groups = country_groups(
        web.lang,
        codes=codes,
        regions=params.get("regions") == "1",
        query=params.get("q", "")[:40],
        keep=params.get(field, "") if field else "",
    )
    return web.page("components/country_options.html", groups=groups, value=params.get(field, ""))

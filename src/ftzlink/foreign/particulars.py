"""An office's particulars (the registered items of Art. 9) between their stored JSON form and
`rules.OfficeParticulars`, shared by the filings (`service`) and the office's own filings
(`office_filings`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from ftzlink.errors import InvalidInput, Problem
from ftzlink.foreign import rules as r

__all__ = ["day", "jsonable", "particulars_from", "stored"]


def _person(data: dict[str, Any]) -> r.Person:
    revoked = data.get("revoked_office_on")
    return r.Person(
        name=str(data["name"]),
        document=str(data["document"]),
        sentenced_for_security=bool(data.get("sentenced_for_security", False)),
        revoked_office_on=dt.date.fromisoformat(revoked) if isinstance(revoked, str) else revoked,
    )


def day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def particulars_from(data: dict[str, Any]) -> r.OfficeParticulars:
    """Particulars from their stored (JSON) form; InvalidInput naming the field when malformed."""
    try:
        established = day(data["parent_established_on"])
        assert established is not None
        return r.OfficeParticulars(
            name=str(data["name"]),
            parent_name=str(data["parent_name"]),
            parent_nationality=str(data["parent_nationality"]),
            parent_jurisdiction=str(data["parent_jurisdiction"]).upper(),
            parent_established_on=established,
            parent_existence_until=day(data.get("parent_existence_until")),
            city=str(data["city"]),
            premises=str(data["premises"]),
            scope=tuple(str(s) for s in data["scope"]),
            profit_making=bool(data.get("profit_making", False)),
            chief=_person(data["chief"]),
            representatives=tuple(_person(p) for p in data.get("representatives", [])),
            term_until=day(data.get("term_until")),
        )
    except (KeyError, ValueError, TypeError, AssertionError) as exc:
        raise InvalidInput(
            "the office's particulars are incomplete", [Problem(str(exc), field="particulars")]
        ) from exc


def stored(p: r.OfficeParticulars) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(asdict(p))
    return data


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value

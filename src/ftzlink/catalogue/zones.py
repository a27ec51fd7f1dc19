"""Finding a zone by what people call places: a landmark, a sub-area, an alias, in zh or en."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ftzlink.catalogue.models import Catalogue, Zone

__all__ = ["ZoneMatch", "find_zones"]


@dataclass(frozen=True)
class ZoneMatch:
    zone: Zone
    matched: list[str]  # the names that matched, e.g. ["新天地"] or ["Grand Zero Bay"]


def _normal(text: str) -> str:
    """Case, width, spaces and punctuation do not matter: 'xin tian di' finds 'Xintiandi'."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s\W_]+", "", text)


def find_zones(catalogue: Catalogue, text: str) -> list[ZoneMatch]:
    """Zones whose name, alias, district, sub-area or sub-area alias contains `text`."""
    wanted = _normal(text)
    if not wanted:
        return []
    matches = []
    for zone in catalogue.zones:
        names = [zone.name.zh, zone.name.en, *zone.aliases]
        district = catalogue.term("districts", zone.district) if zone.district else None
        if district is not None:
            names += [district.label.zh, district.label.en]
        for sub in zone.sub_areas:
            names += [sub.name.zh, sub.name.en, *sub.aliases]
        hits = list(dict.fromkeys(n for n in names if wanted in _normal(n)))
        if hits:
            matches.append(ZoneMatch(zone=zone, matched=hits))
    return matches

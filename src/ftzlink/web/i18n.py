"""The web UI's message catalogs: English message ids, Chinese and English translations.

Catalogs are PO files under `locale/<locale>/LC_MESSAGES/`, one file per part of the site so that
the parts can be translated independently; they are compiled in memory when the app starts (never
by hand, never committed as .mo). `python -m ftzlink.web.i18n update` extracts every message from
the templates and the web code and adds the new ones to the PO files, ready to translate.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import write_po

from ftzlink.i18n import DOMAIN_FILES, LOCALES, load_catalog, translations
from ftzlink.i18n import po_path as _po_path
from ftzlink.i18n import read_catalog as _read
from ftzlink.text import Lang

__all__ = ["LOCALES", "Message", "extract", "load_catalog", "translations"]

HERE = Path(__file__).parent
# The catalogs themselves are loaded by the neutral ftzlink.i18n (the CLI reads them too).
NEUTRAL = HERE.parent / "i18n.py"

# What Babel reads: the web package's Python (gettext calls `_`, `N_`, `ngettext`) and templates.
METHOD_MAP = [
    ("**/templates/**.html", "jinja2"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


@dataclass(frozen=True)
class Message:
    id: str | tuple[str, str]
    locations: tuple[str, ...]

    @property
    def part(self) -> str:
        """The catalog file a new message goes to: the part of the site it was first seen in."""
        for location in self.locations:
            for part in DOMAIN_FILES[1:]:
                if (
                    f"/{part}/" in location
                    or location.startswith((f"{part}.py", f"{part}/"))
                    or (f"/{part}.py" in location)
                ):
                    return part
        return "common"


def extract() -> list[Message]:
    """Every message of the web UI, in a stable order."""
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(HERE), METHOD_MAP, OPTIONS, KEYWORDS
    ):
        if isinstance(message, tuple):
            key: str | tuple[str, str] = (message[0], message[1])
        else:
            key = message
        found.setdefault(key, []).append(filename)
    for _lineno, message, _comments, _context in extract_from_file(
        "python", str(NEUTRAL), KEYWORDS
    ):
        if isinstance(message, str):  # the neutral module has no plural messages
            found.setdefault(message, []).append("../i18n.py")
    return [Message(id=k, locations=tuple(v)) for k, v in found.items()]


def _key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def update() -> Iterator[str]:
    """Add newly extracted messages to the PO files; English gets the message id as its text.

    Yields one line per PO file changed. Messages no longer used are reported, not deleted:
    a translator decides.
    """
    messages = extract()
    for lang, locale in LOCALES.items():
        known = {_key(m.id) for m in load_catalog(lang) if m.id}
        additions: dict[str, list[Message]] = {}
        for message in messages:
            if _key(message.id) not in known:
                additions.setdefault(message.part, []).append(message)
        for part, new in additions.items():
            path = _po_path(locale, part)
            catalog = _read(path, locale)
            for message in new:
                if lang == "en":
                    text: str | tuple[str, str] = message.id
                elif isinstance(message.id, tuple):
                    text = ("", "")
                else:
                    text = ""
                catalog.add(message.id, text, locations=[(loc, 0) for loc in message.locations[:1]])
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                write_po(
                    f, catalog, width=100, omit_header=True, no_location=True, sort_output=True
                )
            yield f"{path.relative_to(HERE)}: {len(new)} new"
        used = {_key(m.id) for m in messages}
        for stale in sorted(known - used):
            yield f"{locale}: no longer used: {stale!r}"


def untranslated(lang: Lang) -> list[str]:
    """Messages of the templates and code with no translation in `lang`'s catalog."""
    catalog = load_catalog(lang)
    missing = []
    for message in extract():
        entry = catalog.get(message.id if isinstance(message.id, str) else message.id[0])
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple | list):
            ok = all(strings)
        else:
            ok = bool(strings)
        if not ok:
            missing.append(_key(message.id))
    return missing


def fill(translations: dict[str, str], lang: Lang = "zh") -> int:
    """Set the translations of existing messages (msgid → text) in whichever PO file holds them."""
    locale = LOCALES[lang]
    done = 0
    for part in DOMAIN_FILES:
        path = _po_path(locale, part)
        if not path.exists():
            continue
        catalog = _read(path, locale)
        changed = False
        for message in catalog:
            key = _key(message.id) if message.id else ""
            if key in translations:
                if isinstance(message.id, tuple):
                    text = translations[key]
                    message.string = (text, text)
                else:
                    message.string = translations[key]
                changed = True
                done += 1
        if changed:
            with path.open("wb") as f:
                write_po(
                    f, catalog, width=100, omit_header=True, no_location=True, sort_output=True
                )
    return done


if __name__ == "__main__":
    if sys.argv[1:2] == ["todo"]:
        import json

        print(json.dumps(dict.fromkeys(untranslated("zh"), ""), ensure_ascii=False, indent=1))
    elif sys.argv[1:2] == ["fill"] and len(sys.argv) == 3:
        import json

        mapping = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        print(f"{fill(mapping)} translations set")
    elif sys.argv[1:] == ["update"]:
        for line in update():
            print(line)
    elif sys.argv[1:] == ["check"]:
        bad = {lang: untranslated(lang) for lang in LOCALES}
        for lang, missing in bad.items():
            for m in missing:
                print(f"{LOCALES[lang]}: untranslated: {m!r}")
        sys.exit(1 if any(bad.values()) else 0)
    else:
        print("usage: python -m ftzlink.web.i18n update|check|todo|fill FILE.json", file=sys.stderr)
        sys.exit(2)

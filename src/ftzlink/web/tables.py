"""Every table of the site readable on a phone, without each template having to remember it.

A rendered page passes through `responsive_tables` once: each cell of a table gets a
`data-label` naming its column (the text of the column's header), which the stylesheet shows
before the cell's value when a narrow screen stacks the rows; each scrolling wrapper around a
table (`<div class="table-wrap">`) becomes a named, keyboard-focusable region (WCAG 2.1.1, axe
`scrollable-region-focusable`), named after the table's caption.

The templates are the package's own and well formed; this reads only the tags it changes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from ftzlink.web.forms import N_

__all__ = ["responsive_tables"]


# The name of a scrolling table that has no caption.
TABLE = N_("Table")

_TAG = re.compile(
    r"<(?P<close>/?)(?P<name>table|thead|tbody|tfoot|tr|th|td|caption)\b(?P<attrs>[^>]*)>",
    re.IGNORECASE,
)
_WRAP = re.compile(r'<div class="(?P<classes>table-wrap[^"]*)"(?P<attrs>[^>]*)>')
_TAGS = re.compile(r"<[^>]+>")
_HIDDEN = re.compile(r'<span class="visually-hidden">.*?</span>', re.DOTALL)
_COLSPAN = re.compile(r'colspan="(\d+)"')


def _text(fragment: str) -> str:
    """The words of an HTML fragment, on one line."""
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())


def _visible_text(fragment: str) -> str:
    return _text(_HIDDEN.sub(" ", fragment))


def _label_cells(page: str) -> str:
    out: list[str] = []
    last = 0
    headers: list[str] = []
    in_head = False
    column = 0
    cell_start: int | None = None  # where the current header cell's content starts
    cell_width = 1
    for match in _TAG.finditer(page):
        name = match.group("name").lower()
        closing = bool(match.group("close"))
        attrs = match.group("attrs")
        if name == "table" and not closing:
            headers = []
        elif name == "thead":
            in_head = not closing
        elif name == "tr" and not closing:
            column = 0
        elif name in ("th", "td") and closing and in_head and cell_start is not None:
            # a header over several columns names each of them
            headers.extend([_visible_text(page[cell_start : match.start()])] * cell_width)
            cell_start = None
        elif name in ("th", "td") and not closing:
            span = _COLSPAN.search(attrs)
            width = int(span.group(1)) if span else 1
            if in_head:
                cell_start, cell_width = match.end(), width
            elif "data-label=" not in attrs and column < len(headers) and headers[column]:
                label = html.escape(headers[column], quote=True)
                out.append(page[last : match.end() - 1])
                out.append(f' data-label="{label}">')
                last = match.end()
            column += width
    out.append(page[last:])
    return "".join(out)


def _name_wrappers(page: str, gettext: Callable[[str], str]) -> str:
    out: list[str] = []
    last = 0
    for match in _WRAP.finditer(page):
        if "tabindex=" in match.group("attrs"):
            continue
        end = page.find("</table>", match.end())
        body = page[match.end() : end if end >= 0 else len(page)]
        caption = re.search(r"<caption\b[^>]*>(.*?)</caption>", body, re.DOTALL)
        name = _text(caption.group(1)) if caption else ""
        label = html.escape(name or gettext(TABLE), quote=True)
        out.append(page[last : match.start()])
        out.append(
            f'<div class="{match.group("classes")}"{match.group("attrs")} tabindex="0" '
            f'role="region" aria-label="{label}">'
        )
        last = match.end()
    out.append(page[last:])
    return "".join(out)


def responsive_tables(page: str, gettext: Callable[[str], str]) -> str:
    """`page` with column names on every table cell and focusable, named scrolling wrappers."""
    if "<table" not in page:
        return page
    return _name_wrappers(_label_cells(page), gettext)

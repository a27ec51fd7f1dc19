"""Cells of the files people open in a spreadsheet, neutralised against formula injection.

Excel, WPS and LibreOffice run a cell that begins with `=`, `+`, `-` or `@` (and, after a tab or a
carriage return, the same) as a formula: an enterprise that names itself `=HYPERLINK(...)` would
otherwise run its formula on an official's machine. Such a cell is prefixed with a single quote,
as OWASP advises; the text is still all there for a person to read. Every CSV the platform writes
for people goes through here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

__all__ = ["FORMULA_STARTS", "csv_text", "neutralise_frame", "spreadsheet_cell"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"


def spreadsheet_cell(value: str) -> str:
    """The cell as text a spreadsheet shows and never evaluates."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(rows: Iterable[Iterable[str]], *, byte_order_mark: bool = True) -> str:
    """CSV (CRLF line ends, as spreadsheets expect) with every cell neutralised.

    The byte order mark makes Excel read the file as UTF-8.
    """
    out = io.StringIO()
    if byte_order_mark:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return out.getvalue()


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell neutralised (numbers are written as numbers, safely)."""
    import polars as pl

    text_columns = [name for name, kind in frame.schema.items() if kind == pl.String]
    if not text_columns:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_PATTERN))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )

"""Registries: reading them in chunks (CSV, Parquet, a database table), normalising the text
people write (labels, 是/否) to the values conditions test, and a synthetic registry.

A registry has the columns of `ftzlink.matching.columns`; any column may be missing (all
unknown). A vocabulary column may hold the term's id, its Chinese or English label or an alias;
a yes/no column 是/否, true/false, yes/no, 1/0 or a boolean; a date column ISO dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from ftzlink.catalogue.models import Catalogue
from ftzlink.errors import InvalidInput, Problem
from ftzlink.matching.columns import PROJECT_COUNT, RegistryColumns, slot_column
from ftzlink.profiles.fields import FieldSpec

__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "iter_file_chunks",
    "normalise",
    "polars_type",
    "registry_format",
    "scan_registry",
    "spelling_map",
    "synthesise",
    "vocabulary_enum",
    "write_registry",
]

TRUE_WORDS = ("是", "true", "True", "TRUE", "yes", "Yes", "Y", "y", "1")
FALSE_WORDS = ("否", "false", "False", "FALSE", "no", "No", "N", "n", "0")


def registry_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        return suffix[1:]
    raise InvalidInput(
        "unknown registry format",
        [Problem(f"{path.name}: a registry is a .csv or a .parquet file", field="registry")],
    )


def vocabulary_enum(catalogue: Catalogue, vocabulary: str) -> pl.Enum:
    return pl.Enum([t.id for t in catalogue.terms(vocabulary)])


def spelling_map(catalogue: Catalogue, vocabulary: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for term in catalogue.terms(vocabulary):
        for spelling in (term.id, term.label.zh, term.label.en, *term.aliases):
            mapping.setdefault(spelling, term.id)
    return mapping


def polars_type(catalogue: Catalogue, spec: FieldSpec) -> pl.DataType:
    """The normalised column type of a field."""
    if spec.vocabulary is not None:
        return vocabulary_enum(catalogue, spec.vocabulary)
    return {"bool": pl.Boolean(), "int": pl.Int64(), "date": pl.Date(), "str": pl.String()}[
        spec.type
    ]


def _read_type(spec: FieldSpec) -> pl.DataType:
    """How a CSV column is read before normalising."""
    return pl.Int64() if spec.type == "int" else pl.String()


def scan_registry(path: Path) -> pl.LazyFrame:
    """A lazy scan of a registry file (CSV read as text, then normalised chunk by chunk)."""
    if not path.exists():
        raise InvalidInput(
            "no such registry", [Problem(f"{path} does not exist", field="registry")]
        )
    if registry_format(path) == "parquet":
        return pl.scan_parquet(path)
    header = pl.read_csv(path, n_rows=0).columns
    layout = RegistryColumns.of(header).all
    overrides = {name: _read_type(layout[name]) for name in header if name in layout}
    return pl.scan_csv(path, schema_overrides=overrides, infer_schema=False)


def iter_file_chunks(
    path: Path, chunk_size: int, columns: Sequence[str] | None = None
) -> tuple[int, Iterator[pl.DataFrame]]:
    """The number of rows and an iterator over raw chunks of at most about `chunk_size` rows
    (of `columns`, or all), streamed: a registry larger than memory is never loaded whole."""
    scan = scan_registry(path)
    if columns is not None:
        scan = scan.select(columns)
    total = int(scan.select(pl.len()).collect().item())
    return total, iter(scan.collect_batches(chunk_size=chunk_size))


def normalise(
    frame: pl.DataFrame,
    catalogue: Catalogue,
    slots: int | None = None,
    only: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The registry's columns as the compilers expect them: vocabulary ids as Enum, yes/no as
    booleans, dates as dates, integers as Int64; missing columns added, all null.

    A value that is no spelling of its vocabulary, or no yes/no, is refused with the column and
    the values (InvalidInput). With `only`, just those columns (those a plan tests, and the ones
    to keep): the others are neither read nor checked.
    """
    layout = RegistryColumns(RegistryColumns.of(frame.columns).slots if slots is None else slots)
    columns = layout.all
    if only is not None:
        columns = {name: spec for name, spec in columns.items() if name in only}
    problems: list[Problem] = []
    expressions = []
    words: dict[str, Any] = {**dict.fromkeys(TRUE_WORDS, True), **dict.fromkeys(FALSE_WORDS, False)}
    # Text columns are mapped through their distinct values (a handful): each cell is looked up
    # once as a category, then its code gathered from a small table of normalised values.
    textual = [
        name
        for name, spec in columns.items()
        if name in frame.columns
        and (spec.vocabulary is not None or spec.type == "bool")
        and frame.schema[name] in (pl.String, pl.Categorical)
    ]
    distinct = (
        frame.select(pl.col(c).cast(pl.String).unique().drop_nulls().implode() for c in textual)
        if textual
        else pl.DataFrame()
    )
    for name, spec in columns.items():
        target = polars_type(catalogue, spec)
        if name not in frame.columns:
            expressions.append(pl.lit(None, target).alias(name))
            continue
        source = frame.schema[name]
        col = pl.col(name)
        if name in textual:
            values = sorted(distinct.get_column(name)[0].to_list())
            lookup = spelling_map(catalogue, spec.vocabulary) if spec.vocabulary else words
            found = [lookup.get(v.strip()) for v in values]
            bad = [v for v, f in zip(values, found, strict=True) if f is None]
            if bad:
                problems.append(_bad(name, bad))
                continue
            if not values:  # every cell empty
                expressions.append(pl.lit(None, target).alias(name))
                continue
            table = pl.Series(name, found, dtype=target)
            codes = col.cast(pl.String).cast(pl.Enum(values)).to_physical()
            expressions.append(pl.lit(table).gather(codes).alias(name))
        elif source == target:
            expressions.append(col)
        elif spec.type == "date" and source == pl.String:
            expressions.append(col.str.strip_chars().str.to_date("%Y-%m-%d").alias(name))
        else:
            expressions.append(col.cast(target).alias(name))
    if problems:
        raise InvalidInput("the registry has values that are not allowed", problems)
    result = frame.select(expressions)
    over = (
        result.filter(pl.col(PROJECT_COUNT) > layout.slots).height
        if PROJECT_COUNT in result.columns
        else 0
    )
    if over:
        raise InvalidInput(
            "the registry has more projects than project slots",
            [
                Problem(
                    f"{over} rows have projects__count above {layout.slots}", field=PROJECT_COUNT
                )
            ],
        )
    return result


def _bad(column: str, values: list[Any]) -> Problem:
    shown = ", ".join(repr(v) for v in sorted(map(str, values))[:5])
    more = f" and {len(values) - 5} more" if len(values) > 5 else ""
    return Problem(f"values not allowed: {shown}{more}", field=column)


# --- the synthetic registry -------------------------------------------------------------------

_M64 = (1 << 64) - 1
_DIVISIONS = {
    "huangpu": "310101", "xuhui": "310104", "changning": "310105", "jingan": "310106",
    "putuo": "310107", "hongkou": "310109", "yangpu": "310110", "minhang": "310112",
    "baoshan": "310113", "jiading": "310114", "pudong": "310115", "jinshan": "310116",
    "songjiang": "310117", "qingpu": "310118", "fengxian": "310120", "chongming": "310151",
}  # fmt: skip
_DISTRICT_WEIGHTS = {
    "pudong": 18, "minhang": 9, "changning": 8, "xuhui": 8, "jingan": 7, "huangpu": 7,
    "yangpu": 7, "hongkou": 5, "baoshan": 6, "putuo": 5, "jiading": 6, "songjiang": 5,
    "qingpu": 3, "fengxian": 3, "jinshan": 2, "chongming": 1,
}  # fmt: skip
# The zone an enterprise of a district may be in (the rest of the district is in no zone).
_ZONE_OF = {
    d: d for d in ("huangpu", "xuhui", "hongkou", "yangpu", "minhang", "baoshan", "changning")
}
_ZONE_OF["pudong"] = "lingang"
_SECTOR_WEIGHTS = {
    "smart_internet": 14, "aviation_transport": 6, "fashion_consumption": 10,
    "business_finance": 14, "advanced_manufacturing": 12, "modern_services": 20, "other": 24,
}  # fmt: skip


def _mix(index: pl.Expr, stream: int, seed: int) -> pl.Expr:
    """splitmix64 of (seed, stream, row): a uniform 64-bit integer, the same on every machine."""
    start = (seed * 0x632BE59BD9B4E019 + stream * 0xD1B54A32D192ED03) & _M64
    u64 = pl.UInt64

    def lit(value: int) -> pl.Expr:
        return pl.lit(value & _M64, u64)

    z = index.cast(u64) * lit(0x9E3779B97F4A7C15) + lit(start)
    z = z.xor(z // (1 << 30)) * lit(0xBF58476D1CE4E5B9)
    z = z.xor(z // (1 << 27)) * lit(0x94D049BB133111EB)
    return z.xor(z // (1 << 31))


def _uniform(index: pl.Expr, stream: int, seed: int) -> pl.Expr:
    """A uniform float in [0, 1) from 53 random bits."""
    return (_mix(index, stream, seed) // (1 << 11)).cast(pl.Float64) / float(1 << 53)


def _choice(u: pl.Expr, weights: Mapping[str, int], labels: Mapping[str, str]) -> pl.Expr:
    total = sum(weights.values())
    expr: Any = None
    edge = 0.0
    for key, weight in weights.items():
        edge += weight / total
        value = pl.lit(labels[key], pl.String)
        expr = pl.when(u < edge).then(value) if expr is None else expr.when(u < edge).then(value)
    return expr.otherwise(pl.lit(labels[list(weights)[-1]], pl.String))  # type: ignore[no-any-return]


# Rows are built in memory: a hundred million is already tens of gigabytes.
MAX_SYNTHETIC = 100_000_000


def synthesise(catalogue: Catalogue, n: int, seed: int, slots: int = 3) -> pl.DataFrame:
    """`n` synthetic enterprises shaped like the zones, as a registry with text labels:
    districts, zones, sectors and project kinds in Chinese, yes/no as 是/否, some cells empty.
    The same (n, seed) always gives the same rows."""
    if not 1 <= n <= MAX_SYNTHETIC:
        raise InvalidInput(
            "cannot synthesise the registry",
            [Problem(f"between 1 and {MAX_SYNTHETIC:,} enterprises, not {n:,}", field="--n")],
        )
    label = {
        vocabulary: {t.id: t.label.zh for t in catalogue.terms(vocabulary)}
        for vocabulary in (
            "districts",
            "zones",
            "legal_forms",
            "credit_standings",
            "sectors",
            "sub_sectors",
            "project_kinds",
        )
    }
    i = pl.int_range(0, n, dtype=pl.UInt64)
    streams = iter(range(1, 1000))

    def u() -> pl.Expr:
        return _uniform(pl.col("i"), next(streams), seed)

    def maybe(expr: pl.Expr, rate: float) -> pl.Expr:
        return pl.when(u() < rate).then(None).otherwise(expr)

    def yes_no(p_yes: float, missing: float) -> pl.Expr:
        return maybe(pl.when(u() < p_yes).then(pl.lit("是")).otherwise(pl.lit("否")), missing)

    def skewed(high: int, power: float) -> pl.Expr:
        return (u().pow(power) * (high + 1)).floor().cast(pl.Int64)

    district_ids = list(_DISTRICT_WEIGHTS)
    frame = pl.select(i=i)
    frame = frame.with_columns(
        _district=_choice(u(), _DISTRICT_WEIGHTS, {d: d for d in district_ids}),
        _sector=_choice(u(), _SECTOR_WEIGHTS, {s: s for s in _SECTOR_WEIGHTS}),
        _org=((pl.col("i") * 7_919 + (seed % 100_000_000)) % 100_000_000),
        _in_zone=u(),
        _sub=u(),
    )
    # USCC: 9 1 <division> <8 digits> <org check> <check>, both check characters computed.
    digits = [(pl.col("_org") // 10 ** (7 - k)) % 10 for k in range(8)]
    org_total = sum(
        (d * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)),
        pl.lit(0, pl.UInt64),
    )
    org_check = (11 - org_total % 11).cast(
        pl.Int64
    )  # 10 → X (value 29 in the USCC alphabet), 11 → 0
    org_value = pl.when(org_check == 10).then(29).when(org_check == 11).then(0).otherwise(org_check)
    division = pl.col("_district").replace_strict(_DIVISIONS, return_dtype=pl.String)
    div_digits = [division.str.slice(k, 1).cast(pl.Int64) for k in range(6)]
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    values = [pl.lit(9), pl.lit(1), *div_digits, *(d.cast(pl.Int64) for d in digits), org_value]
    total = sum((v * w for v, w in zip(values, weights, strict=True)), pl.lit(0, pl.Int64))
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    check = ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(alphabet)), return_dtype=pl.String
    )
    org_char = org_value.replace_strict(
        {**{k: str(k) for k in range(10)}, 29: "X"}, return_dtype=pl.String
    )
    uscc = pl.concat_str(
        pl.lit("91"), division, pl.col("_org").cast(pl.String).str.zfill(8), org_char, check
    )
    sub_sectors = list(catalogue.terms("sub_sectors"))
    sub_sector_expr: Any = pl.lit(None, pl.String)
    for sector in _SECTOR_WEIGHTS:
        children = [t.id for t in sub_sectors if t.parent == sector]
        if children:
            pick = (
                (pl.col("_sub") * len(children)).floor().cast(pl.Int64).clip(0, len(children) - 1)
            )
            options = pl.lit(None, pl.String)
            for k, child in enumerate(children):
                options = (
                    pl.when(pick == k).then(pl.lit(label["sub_sectors"][child])).otherwise(options)
                )
            sub_sector_expr = (
                pl.when(pl.col("_sector") == sector).then(options).otherwise(sub_sector_expr)
            )
    zone_of = pl.col("_district").replace_strict(
        {d: label["zones"].get(_ZONE_OF.get(d, ""), None) for d in district_ids},
        default=None,
        return_dtype=pl.String,
    )
    kinds = [t.id for t in catalogue.terms("project_kinds")]
    kind_weights = {
        k: (6 if k in ("rd_input", "investment", "ai_industry", "sci_tech_innovation") else 2)
        for k in kinds
    }
    columns: dict[str, pl.Expr] = {
        "uscc": uscc,
        "name": pl.concat_str(
            pl.lit("上海合成"), pl.col("_org").cast(pl.String).str.zfill(8), pl.lit("有限公司")
        ),
        "registered_district": maybe(
            pl.col("_district").replace_strict(label["districts"], return_dtype=pl.String), 0.02
        ),
        "zone": pl.when(pl.col("_in_zone") < 0.55).then(zone_of).otherwise(None),
        "legal_form": maybe(
            _choice(
                u(),
                {"corporate": 85, "unincorporated": 10, "representative_office": 5},
                label["legal_forms"],
            ),
            0.03,
        ),
        "established_on": maybe(
            pl.lit(dt.date(1995, 1, 1)) + pl.duration(days=(u() * 11_000).floor().cast(pl.Int64)),
            0.02,
        ),
        "credit_standing": maybe(
            _choice(u(), {"good": 80, "ordinary": 15, "poor": 5}, label["credit_standings"]), 0.10
        ),
        "district_approved_recipient": yes_no(0.05, 0.50),
        "sector": maybe(
            pl.col("_sector").replace_strict(label["sectors"], return_dtype=pl.String), 0.03
        ),
        "sub_sector": maybe(sub_sector_expr, 0.30),
        "development_criteria_met": yes_no(0.40, 0.40),
        "foreign_invested": yes_no(0.15, 0.05),
        "multinational": yes_no(0.05, 0.10),
        "chain_enterprise_headquarters": yes_no(0.03, 0.10),
        "key_enterprise": yes_no(0.08, 0.05),
        "talent__foreign_professionals": maybe(skewed(40, 4.0), 0.30),
        "talent__high_level_foreign_professionals": maybe(skewed(8, 5.0), 0.35),
        "talent__certified_talents": maybe(skewed(6, 3.0), 0.30),
        "talent__certified_talent_teams": maybe(skewed(3, 4.0), 0.35),
        "talent__invites_foreign_guests": yes_no(0.10, 0.40),
        PROJECT_COUNT: maybe(skewed(slots, 2.0), 0.20),
    }
    for slot in range(slots):
        present = pl.col(PROJECT_COUNT) > slot
        amount = pl.lit(10.0).pow(5 + u() * 3.5).floor().cast(pl.Int64)  # yuan, as requested
        columns[slot_column(slot, "name")] = pl.when(present).then(
            pl.concat_str(pl.lit("项目"), pl.col("_org").cast(pl.String), pl.lit(f"-{slot + 1}"))
        )
        columns[slot_column(slot, "kind")] = pl.when(present).then(
            _choice(u(), kind_weights, label["project_kinds"])
        )
        columns[slot_column(slot, "requested_amount")] = pl.when(present).then(maybe(amount, 0.10))
    frame = frame.with_columns(
        **{
            k: v
            for k, v in columns.items()
            if k != PROJECT_COUNT and not k.startswith("projects__")
        }
    )
    frame = frame.with_columns(**{PROJECT_COUNT: columns[PROJECT_COUNT]})
    frame = frame.with_columns(
        **{k: v for k, v in columns.items() if k.startswith("projects__") and k != PROJECT_COUNT}
    )
    return frame.select(list(columns))


def write_registry(frame: pl.DataFrame, path: Path) -> None:
    """Write a registry as CSV or Parquet, by the file's extension."""
    if registry_format(path) == "csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path, statistics=False)


def sql_types() -> dict[str, Any]:
    """The SQL column type of each field type."""
    import sqlalchemy as sa

    return {"bool": sa.Boolean(), "int": sa.BigInteger(), "date": sa.Date(), "str": sa.String(200)}


def registry_table(catalogue: Catalogue, name: str, slots: int, metadata: Any) -> Any:
    """A SQLAlchemy table with a registry's columns (vocabulary columns as text: ids or labels)."""
    import sqlalchemy as sa

    kinds = sql_types()
    return sa.Table(
        name,
        metadata,
        *(
            sa.Column(column, kinds[spec.type])
            for column, spec in RegistryColumns(slots).all.items()
        ),
    )


def load_table(connection: Any, table: Any, frame: pl.DataFrame, batch: int = 20_000) -> None:
    """Insert a normalised registry frame into `table` (vocabulary ids as text)."""
    columns = [c.name for c in table.columns]
    data = frame.select(
        [
            pl.col(c).cast(pl.String) if isinstance(frame.schema[c], pl.Enum) else pl.col(c)
            for c in columns
        ]
    )
    for offset in range(0, data.height, batch):
        connection.execute(table.insert(), data.slice(offset, batch).to_dicts())

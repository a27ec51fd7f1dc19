"""Matching a whole registry: the full Changning trial policy (20 measures) over --n synthetic
enterprises, by OpenFisca (openfisca-core, the optional `bench` extra), the scalar engine in a
loop, the Polars compiler, and the SQL compiler on SQLite and PostgreSQL, in one run.

Usage (from the repository root, after `.venv/bin/pip install -e '.[bench]'`):

    .venv/bin/python bench/matching.py --n 100000,1000000
    .venv/bin/python bench/matching.py --n 20000 --postgres ''      # quick, without PostgreSQL

For each n, a synthetic registry (`ftzlink registry synth`, seed 1: Chinese labels, 是/否, empty
cells) is written as Parquet. Then each engine runs in a child process of its own (so that its
peak memory is its own), twice:

  end_to_end  from the registry as users have it (the Parquet file with text labels; for SQL, the
              table holding the same text, in the database) to per-enterprise results in memory;
  compute     from inputs already loaded (normalised frame; OpenFisca simulation with its inputs
              set; for SQL, the query run inside the database into a temporary table, no fetch).

The scalar engine is timed on a sample of --scalar-sample enterprises and extrapolated (its lines
say `"sampled": true`). One JSON line per engine and mode, with `engine`, `n`, `mode`,
`determinations` (n × 20), `seconds`, `determinations_per_s`, `peak_mb` (the child's peak
resident memory), `max_money_error_yuan` (the largest difference, over enterprises, between the
engine's total support and the exact integer total; the exact total is the Polars result, itself
checked equal to the scalar engine on the sample), `keeps_failed_conditions`, and
`ratio_vs_openfisca` (this engine's determinations/s over OpenFisca's in the same mode).

OpenFisca has no unknown: an empty cell is read as its variable's default (no / 0 / "unknown"),
and it keeps no failed conditions or questions; money is OpenFisca's `float` (float32).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ftzlink.catalogue.conditions import AllOf, AnyOf, Compare, Condition, Exists, Not
from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.catalogue.models import Catalogue
from ftzlink.matching.columns import PROJECT_COUNT, RegistryColumns, profile_from_row, slot_column
from ftzlink.matching.compile_polars import evaluate_frame
from ftzlink.matching.compile_sql import match_select
from ftzlink.matching.plan import compile_plan
from ftzlink.matching.registry import normalise, registry_table, spelling_map, synthesise
from ftzlink.matching.results import expected, finish, potential

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
POLICY = "changning-trial-2024"
AS_OF = dt.date(2025, 6, 1)
SLOTS = 3
KEEP = ["uscc"]


def trial_catalogue() -> Catalogue:
    catalogue = bundled_catalogue()
    return catalogue.model_copy(
        update={"policies": [p for p in catalogue.policies if p.id == POLICY]}
    )


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited over exec
    from the parent that spawned it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def totals(results: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """Per enterprise, the total support over the measures (exact integers)."""
    ids = [m.id for _, m in catalogue.measures()]
    return results.select("uscc", pl.sum_horizontal([potential(m) for m in ids]).alias("total"))


# --- OpenFisca: the same policy as an OpenFisca model ----------------------------------------


def openfisca_model(catalogue: Catalogue) -> tuple[Any, dict[str, Any]]:
    """A tax-benefit system with one entity (the enterprise), an input variable per field the
    policy tests, and per measure a formula variable `<measure>__amount` (float: float32), the
    support when eligible (0 otherwise), each formula built from the measure's condition tree."""
    import numpy as np
    from openfisca_core.entities import build_entity
    from openfisca_core.indexed_enums import Enum
    from openfisca_core.periods import DateUnit
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    enterprise = build_entity(
        key="enterprise", plural="enterprises", label="Enterprise", is_person=True
    )
    layout = RegistryColumns(SLOTS).all
    enums: dict[str, Any] = {}
    variables = []

    def variable(name: str, value_type: Any, **attrs: Any) -> None:
        attrs = {
            "value_type": value_type,
            "entity": enterprise,
            "definition_period": DateUnit.YEAR,
            "label": name,
            **attrs,
        }
        variables.append(type(name, (Variable,), attrs))

    fields: set[str] = set()

    def collect(node: Condition, prefix: str = "") -> None:
        if isinstance(node, AllOf | AnyOf):
            for child in node.all if isinstance(node, AllOf) else node.any:
                collect(child, prefix)
        elif isinstance(node, Not):
            collect(node.not_, prefix)
        elif isinstance(node, Exists):
            fields.add(PROJECT_COUNT)
            for i in range(SLOTS):
                collect(node.exists, f"projects__{i}__")
                fields.add(slot_column(i, "requested_amount"))
        else:
            fields.add(prefix + node.field.replace(".", "__"))

    policy = catalogue.policies[0]
    for _, m in catalogue.measures():
        if policy.eligibility:
            collect(policy.eligibility)
        if m.when:
            collect(m.when)
    for name in sorted(fields):
        spec = layout[name]
        if spec.vocabulary:
            terms = catalogue.terms(spec.vocabulary)
            enum = Enum(name, [("unknown", "unknown"), *((t.id, t.label.zh) for t in terms)])
            enums[name] = enum
            variable(name, Enum, possible_values=enum, default_value=enum.unknown)
        elif spec.type == "bool":
            variable(name, bool)
        elif name.endswith("requested_amount"):
            variable(name, float)  # money, as OpenFisca models have it
        else:
            variable(name, int)

    def compile_(node: Condition, e: Any, period: Any, prefix: str = "") -> Any:
        if isinstance(node, AllOf):
            out = compile_(node.all[0], e, period, prefix)
            for child in node.all[1:]:
                out = out * compile_(child, e, period, prefix)
            return out
        if isinstance(node, AnyOf):
            out = compile_(node.any[0], e, period, prefix)
            for child in node.any[1:]:
                out = out + compile_(child, e, period, prefix)
            return out
        if isinstance(node, Not):
            return np.logical_not(compile_(node.not_, e, period, prefix))
        if isinstance(node, Exists):
            count = e(PROJECT_COUNT, period)
            out = None
            for i in range(SLOTS):
                item = (count > i) * compile_(node.exists, e, period, f"projects__{i}__")
                out = item if out is None else out + item
            return out
        assert isinstance(node, Compare)
        name = prefix + node.field.replace(".", "__")
        value = e(name, period)
        enum = enums.get(name)
        if enum is not None:
            items = [node.value] if node.op in ("eq", "ne") else node.value
            test = None
            for item in items:
                t = value == enum[item]
                test = t if test is None else test + t
            return np.logical_not(test) if node.op in ("ne", "not_in") else test
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
            "gt": np.greater, "ge": np.greater_equal,
        }  # fmt: skip
        return ops[node.op](value, node.value)

    amount_names = []

    def make_formula(m: Any, cap: int) -> Callable[..., Any]:
        def formula(e: Any, period: Any, parameters: Any) -> Any:
            eligible = compile_(policy.eligibility, e, period) if policy.eligibility else True
            if m.when is not None:
                eligible = eligible * compile_(m.when, e, period)
            exists = (
                [m.when]
                if isinstance(m.when, Exists)
                else [c for c in getattr(m.when, "all", []) if isinstance(c, Exists)]
            )
            if not exists:
                return eligible * np.float32(cap)
            count = e(PROJECT_COUNT, period)
            total = np.zeros(count.shape, dtype=np.float32)
            for i in range(SLOTS):
                matched = (count > i) * compile_(exists[0].exists, e, period, f"projects__{i}__")
                request = e(slot_column(i, "requested_amount"), period)
                total = total + matched * np.where(request > 0, np.minimum(request, cap), cap)
            return eligible * total

        return formula

    for _, m in catalogue.measures():
        formula = make_formula(m, m.cap.amount if m.cap else 0)  # no cap, no computable amount
        name = f"{m.id.replace('-', '_')}__amount"
        amount_names.append(name)
        variable(name, float, formula=formula)
    system = TaxBenefitSystem([enterprise])
    system.add_variables(*variables)
    return system, {"enums": enums, "fields": sorted(fields), "amounts": amount_names}


def openfisca_inputs(
    frame: pl.DataFrame, catalogue: Catalogue, info: dict[str, Any]
) -> dict[str, Any]:
    """The registry's text (Chinese labels, 是/否) as OpenFisca inputs: enum item names, bools,
    ints and floats; an empty cell becomes the variable's default."""
    layout = RegistryColumns(SLOTS).all
    inputs = {}
    for name in info["fields"]:
        spec = layout[name]
        col = pl.col(name)
        if spec.vocabulary:
            mapping = spelling_map(catalogue, spec.vocabulary)
            expr = (
                col.cast(pl.String).replace_strict(mapping, default="unknown").fill_null("unknown")
            )
        elif spec.type == "bool":
            expr = (col.cast(pl.String) == "是").fill_null(False)
        elif name.endswith("requested_amount"):
            expr = col.cast(pl.Float64).fill_null(0.0)
        else:
            expr = col.cast(pl.Int64).fill_null(0)
        values = frame.select(expr).to_series().to_numpy()
        inputs[name] = values.astype(str) if spec.vocabulary else values
    return inputs


def openfisca_run(system: Any, info: dict[str, Any], inputs: dict[str, Any], n: int) -> Any:
    import numpy as np
    from openfisca_core.simulations import SimulationBuilder

    simulation = SimulationBuilder().build_default_simulation(system, n)
    for name, values in inputs.items():
        simulation.set_input(name, "2025", values)
    started = time.perf_counter()
    amounts = [simulation.calculate(name, "2025") for name in info["amounts"]]
    seconds = time.perf_counter() - started
    return np.sum(amounts, axis=0, dtype=np.float32), seconds  # a float total, as a model has it


# --- the child processes ---------------------------------------------------------------------


def worker(
    engine: str,
    mode: str,
    n: int,
    registry: Path,
    reference: Path,
    url: str,
    table: str,
    sample: int,
) -> dict[str, Any]:
    catalogue = trial_catalogue()
    measures = len(catalogue.measures())
    plan = compile_plan(catalogue, AS_OF, SLOTS)
    result: dict[str, Any] = {
        "engine": engine,
        "n": n,
        "mode": mode,
        "determinations": n * measures,
    }
    exact = pl.read_parquet(reference)
    money_error: float | None = None
    if engine == "polars":
        if mode == "compute":
            frame = normalise(pl.read_parquet(registry), catalogue, SLOTS)
            started = time.perf_counter()
            results = finish(plan, evaluate_frame(plan, frame, KEEP), KEEP)
        else:  # read and normalise only the columns the policy tests, as `ftzlink match` does
            started = time.perf_counter()
            needed = [*KEEP, *plan.columns]
            raw = pl.read_parquet(registry, columns=needed)
            frame = normalise(raw, catalogue, SLOTS, only=needed)
            results = finish(plan, evaluate_frame(plan, frame, KEEP), KEEP)
        seconds = time.perf_counter() - started
        money_error = _money_error(totals(results, catalogue), exact)
    elif engine == "openfisca":
        system, info = openfisca_model(catalogue)
        started = time.perf_counter()
        raw = pl.read_parquet(registry)
        inputs = openfisca_inputs(raw, catalogue, info)
        total, compute_seconds = openfisca_run(system, info, inputs, n)
        seconds = compute_seconds if mode == "compute" else time.perf_counter() - started
        ours = pl.DataFrame({"uscc": raw.get_column("uscc"), "total": total})
        money_error = _money_error(ours, exact)
        result["keeps_failed_conditions"] = False
    elif engine == "scalar":
        raw = pl.read_parquet(registry)
        started = time.perf_counter()
        frame = normalise(raw, catalogue, SLOTS)
        prepare = time.perf_counter() - started
        rows = frame.head(sample).to_dicts()
        started = time.perf_counter()
        profiles = [profile_from_row(r, SLOTS) for r in rows]
        build = time.perf_counter() - started
        started = time.perf_counter()
        evaluated = [expected(catalogue, p, AS_OF) for p in profiles]
        evaluate = time.perf_counter() - started
        scale = n / len(rows)
        seconds = evaluate * scale if mode == "compute" else prepare + (build + evaluate) * scale
        result["sampled"] = len(rows)
        got = pl.DataFrame(
            {
                "uscc": [r["uscc"] for r in rows],
                "total": [
                    sum((x.amount or x.max_amount or 0) if x.status == "eligible" else 0 for x in e)
                    for e in evaluated
                ],
            }
        )
        money_error = _money_error(got, exact)
    else:  # sql_sqlite, sql_postgresql
        engine_ = sa.create_engine(url)
        table_ = sa.Table(table, sa.MetaData(), autoload_with=engine_)
        select = match_select(plan, table_, KEEP)
        with engine_.connect() as connection:
            if mode == "compute":
                name = f"results_{uuid.uuid4().hex[:8]}"
                compiled = select.compile(engine_, compile_kwargs={"render_postcompile": True})
                params: Any = compiled.params
                if compiled.positional:
                    params = tuple(compiled.params[k] for k in compiled.positiontup or [])
                started = time.perf_counter()
                connection.exec_driver_sql(f'CREATE TEMPORARY TABLE "{name}" AS {compiled}', params)
                seconds = time.perf_counter() - started
                result["peak_mb"] = peak_mb()  # before reading the results back for the check
                rows = connection.exec_driver_sql(f'SELECT * FROM "{name}"')
                names = list(rows.keys())
                raw = pl.DataFrame(
                    [tuple(r) for r in rows],
                    schema={k: pl.String if k in KEEP else pl.Int64 for k in names},
                    orient="row",
                )
            else:
                started = time.perf_counter()
                rows = connection.execution_options(stream_results=True, yield_per=50_000).execute(
                    select
                )
                names = list(rows.keys())
                schema = {k: pl.String if k in KEEP else pl.Int64 for k in names}
                raw = pl.concat(
                    [
                        pl.DataFrame([tuple(r) for r in part], schema=schema, orient="row")
                        for part in rows.partitions()
                    ]
                )
                seconds = time.perf_counter() - started
            results = finish(plan, raw, KEEP)
            if mode != "compute":
                seconds = time.perf_counter() - started
        engine_.dispose()
        money_error = _money_error(totals(results, catalogue), exact)
    result.setdefault("keeps_failed_conditions", True)
    result["seconds"] = round(seconds, 4)
    result["determinations_per_s"] = round(result["determinations"] / seconds)
    result.setdefault("peak_mb", peak_mb())
    result["max_money_error_yuan"] = money_error
    return result


def _money_error(got: pl.DataFrame, exact: pl.DataFrame) -> float:
    joined = exact.join(got, on="uscc", how="inner", suffix="_got")
    if joined.height == 0:
        return float("nan")
    diff = (
        joined.get_column("total_got").cast(pl.Float64)
        - joined.get_column("total").cast(pl.Float64)
    ).abs()
    return round(float(diff.max() or 0.0), 2)


# --- the parent ------------------------------------------------------------------------------


def prepare(n: int, directory: Path, postgres: str) -> dict[str, Any]:
    catalogue = trial_catalogue()
    registry = directory / f"registry-{n}.parquet"
    labelled = synthesise(catalogue, n, seed=1, slots=SLOTS)
    labelled.write_parquet(registry)
    plan = compile_plan(catalogue, AS_OF, SLOTS)
    frame = normalise(labelled, catalogue, SLOTS)
    results = finish(plan, evaluate_frame(plan, frame, KEEP), KEEP)
    reference = directory / f"exact-{n}.parquet"
    totals(results, catalogue).write_parquet(reference)
    # the exact reference is checked against the scalar engine on a sample
    for row, res in zip(
        frame.head(300).iter_rows(named=True), results.head(300).iter_rows(named=True), strict=True
    ):
        scalar = expected(catalogue, profile_from_row(row, SLOTS), AS_OF)
        assert all(
            (r.amount, r.max_amount, r.status.value)
            == (
                res[f"{r.measure_id}.amount"],
                res[f"{r.measure_id}.max_amount"],
                res[f"{r.measure_id}.status"],
            )
            for r in scalar
        )
    # the database tables hold the registry's text as users have it (labels), booleans as such
    text = frame.with_columns(
        pl.col(c).cast(pl.String).replace({t.id: t.label.zh for t in catalogue.terms(s.vocabulary)})
        for c, s in RegistryColumns(SLOTS).all.items()
        if s.vocabulary
    )
    tables = {"sql_sqlite": (f"sqlite:///{directory / f'registry-{n}.db'}", None)}
    if postgres:
        tables["sql_postgresql"] = (postgres, None)
    urls = {}
    for engine_name, (url, _) in tables.items():
        try:
            urls[engine_name] = _load(url, text, catalogue, f"registry_{n}")
        except Exception as error:  # PostgreSQL unreachable: say so, go on
            print(
                json.dumps({"engine": engine_name, "n": n, "skipped": str(error).splitlines()[0]}),
                flush=True,
            )
    return {"registry": registry, "reference": reference, "urls": urls}


def _load(url: str, frame: pl.DataFrame, catalogue: Catalogue, name: str) -> str:
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = registry_table(catalogue, name, SLOTS, metadata)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    columns = [c.name for c in table.columns]
    data = frame.select(columns)
    if engine.dialect.name == "postgresql":
        buffer = io.BytesIO()
        data.write_csv(buffer, include_header=False, null_value="")
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            quoted = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN WITH (FORMAT csv)') as copy:  # type: ignore[attr-defined]
                copy.write(buffer.getvalue())
            raw.commit()
            cursor.execute(f'ANALYZE "{name}"')
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as connection:
            for offset in range(0, data.height, 100_000):
                connection.execute(table.insert(), data.slice(offset, 100_000).to_dicts())
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="100000,1000000", help="comma-separated registry sizes")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL ('' to skip)")
    parser.add_argument("--scalar-sample", type=int, default=2000)
    parser.add_argument("--engines", default="openfisca,scalar,polars,sql_sqlite,sql_postgresql")
    parser.add_argument("--worker", nargs=8, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        engine, mode, n, registry, reference, url, table, sample = args.worker
        print(
            json.dumps(
                worker(
                    engine, mode, int(n), Path(registry), Path(reference), url, table, int(sample)
                )
            ),
            flush=True,
        )
        return
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory(prefix="ftzlink-bench-") as tmp:
        for n in (int(v) for v in args.n.split(",")):
            inputs = prepare(n, Path(tmp), args.postgres)
            openfisca: dict[str, float] = {}
            for engine in engines:
                if engine.startswith("sql") and engine not in inputs["urls"]:
                    continue
                for mode in ("end_to_end", "compute"):
                    url = inputs["urls"].get(engine, "")
                    command = [
                        sys.executable, __file__, "--worker", engine, mode, str(n), str(inputs["registry"]),
                        str(inputs["reference"]), url, f"registry_{n}", str(args.scalar_sample),
                    ]  # fmt: skip
                    done = subprocess.run(command, capture_output=True, text=True, check=False)
                    if done.returncode != 0:
                        print(
                            json.dumps(
                                {
                                    "engine": engine,
                                    "n": n,
                                    "mode": mode,
                                    "error": [
                                        text[:300] for text in done.stderr.strip().splitlines()[-4:]
                                    ],
                                }
                            ),
                            flush=True,
                        )
                        continue
                    line = json.loads(done.stdout.strip().splitlines()[-1])
                    if engine == "openfisca":
                        openfisca[mode] = line["determinations_per_s"]
                    base = openfisca.get(mode)
                    line["ratio_vs_openfisca"] = (
                        round(line["determinations_per_s"] / base, 2) if base else None
                    )
                    print(json.dumps(line), flush=True)
            if args.postgres and "sql_postgresql" in inputs["urls"]:
                engine_ = sa.create_engine(make_url(args.postgres))
                with engine_.begin() as connection:
                    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "registry_{n}"')
                engine_.dispose()


if __name__ == "__main__":
    main()

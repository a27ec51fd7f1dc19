"""SQL statements per submission: `POST /api/v1/applications` then `POST .../submit`, each with
an Idempotency-Key, through the whole application (middleware, authentication, idempotency,
the service, audit and ledger), counted with a SQLAlchemy `before_cursor_execute` listener on
the engine, beside an earlier revision (--anchor-rev) counted the same way in the same run.

Usage (from the repository root):

    .venv/bin/python bench/statements.py --applications 20            # SQLite and PostgreSQL
    .venv/bin/python bench/statements.py --postgres '' --show          # SQLite, list statements

In process, no port: the app is driven with Starlette's TestClient over the database the bench
migrates and seeds (SQLite in a temporary directory; PostgreSQL in a throwaway schema of
--postgres, default the local server's database `test`). The anchor runs in a child process with
that revision's `src/` (extracted with `git archive`) first on PYTHONPATH. One JSON line per
(code, backend, request): {"name", "code", "backend", "request", "statements" (median per
request), "min", "max", "applications", "loadavg"}, and on SQLite "driver_statements": every
statement SQLite ran for the request (its trace callback: BEGIN and COMMIT, and the ledger's
inserts made through the driver's own cursor, which the SQLAlchemy listener does not see); with --show, the statements of the last
application follow, one line each (to find the redundant ones).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

from anchor import loadavg, revision_src

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

ROOT = HERE.parent
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_ANCHOR = "main"


def _bench_http() -> Any:
    """bench/http.py (its seed and throwaway databases), imported under another name."""
    spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
    assert spec is not None and spec.loader is not None
    if "bench_http" in sys.modules:
        return sys.modules["bench_http"]
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module
    sys.path.insert(0, str(HERE))  # for its `from anchor import ...` (it takes the folder off)
    spec.loader.exec_module(module)
    return module


@contextmanager
def database_url(backend: str, postgres: str, workdir: Path) -> Iterator[str]:
    bench_http = _bench_http()
    if backend == "sqlite":
        with bench_http.sqlite_database(workdir) as url:
            yield url
    else:
        with bench_http.postgres_database(postgres) as url:
            yield url


def count(backend: str, url: str, workdir: Path, applications: int, show: bool) -> None:
    """Seed, serve in-process, file and submit; print the counts (runs under either code)."""
    from fastapi.testclient import TestClient

    from ftzlink.api import create_app
    from ftzlink.catalogue.loader import bundled_catalogue
    from ftzlink.db import Database
    from ftzlink.settings import Settings

    bench_http = _bench_http()
    env = {
        "FTZLINK_DATABASE_URL": url,
        "FTZLINK_DATA_DIR": str(workdir / "data"),
        "FTZLINK_TODAY": bench_http.AS_OF.isoformat(),
    }
    os.environ.update(env)
    settings = Settings.from_env(env)
    db = Database(url)
    db.upgrade()
    seeded = bench_http.seed(db, bundled_catalogue())
    app = create_app(settings, database=db, migrate=False)
    seen: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    # SQLite also tells what its driver ran beside SQLAlchemy (the ledger's inserts through the
    # driver's cursor, BEGIN, COMMIT): every statement of the request, counted apart.
    driver: list[str] = []
    if db.dialect == "sqlite":
        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def _trace(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.set_trace_callback(driver.append)

    per: dict[str, list[int]] = {"create": [], "submit": []}
    per_driver: dict[str, list[int]] = {"create": [], "submit": []}
    times: list[float] = []
    shown: list[tuple[str, str]] = []
    headers = {"Authorization": f"Bearer {seeded.token}"}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for n in range(applications + 2):  # two to warm up
            body = {
                "organisation_id": seeded.organisation_id,
                "measure_id": bench_http.MEASURE,
                "requested_amount": 1_000_000 + n,
            }
            seen.clear()
            driver.clear()
            began = time.perf_counter()
            created = client.post(
                "/api/v1/applications",
                json=body,
                headers={**headers, "Idempotency-Key": f"statements-{n}"},
            )
            assert created.status_code == 201, created.text
            create_statements, create_driver = list(seen), len(driver)
            seen.clear()
            driver.clear()
            submitted = client.post(
                f"/api/v1/applications/{created.json()['id']}/submit",
                headers={**headers, "Idempotency-Key": f"statements-{n}-submit"},
            )
            assert submitted.status_code == 200, submitted.text
            took = time.perf_counter() - began
            if n >= 2:
                times.append(took * 1000)
                per["create"].append(len(create_statements))
                per["submit"].append(len(seen))
                per_driver["create"].append(create_driver)
                per_driver["submit"].append(len(driver))
            shown = [("create", s) for s in create_statements] + [("submit", s) for s in seen]
    code = os.environ.get("BENCH_CODE", "current")
    pairs = [a + b for a, b in zip(*per.values(), strict=True)]
    driver_pairs = [a + b for a, b in zip(*per_driver.values(), strict=True)]
    for request, counts, by_driver in [
        ("create", per["create"], per_driver["create"]),
        ("submit", per["submit"], per_driver["submit"]),
        ("create+submit", pairs, driver_pairs),
    ]:
        line = {
            "name": f"statements/{backend}/{request}",
            "code": code,
            "backend": backend,
            "request": request,
            "statements": statistics.median(counts),
            "min": min(counts),
            "max": max(counts),
            **({"driver_statements": statistics.median(by_driver)} if by_driver[0] else {}),
            "applications": applications,
            "ms_per_application_median": round(statistics.median(times), 2),
            "ms_per_application_min": round(min(times), 2),
            "loadavg": loadavg(),
        }
        print(json.dumps(line), flush=True)
    if show:
        for request, statement in shown:
            print(json.dumps({"code": code, "request": request, "sql": statement[:300]}))
    db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=20, help="applications filed")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="'' to skip PostgreSQL")
    parser.add_argument("--anchor-rev", default=DEFAULT_ANCHOR, help="'' for no anchor")
    parser.add_argument("--show", action="store_true", help="print the statements themselves")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:  # the anchor's code, in its own process
        with tempfile.TemporaryDirectory(prefix="ftzlink-statements-") as tmp:
            count(args.child[0], args.child[1], Path(tmp), args.applications, args.show)
        return 0

    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="ftzlink-statements-") as tmp:
            (Path(tmp) / "anchor").mkdir()
            (Path(tmp) / "current").mkdir()
            if args.anchor_rev:
                with (
                    revision_src(args.anchor_rev) as src,
                    database_url(backend, args.postgres, Path(tmp) / "anchor") as url,
                ):
                    subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--applications",
                            str(args.applications),
                            "--child",
                            backend,
                            url,
                            *(["--show"] if args.show else []),
                        ],
                        env={
                            **os.environ,
                            "PYTHONPATH": str(src),
                            "BENCH_CODE": f"anchor {args.anchor_rev}",
                        },
                        check=True,
                    )
            with database_url(backend, args.postgres, Path(tmp) / "current") as url:
                count(backend, url, Path(tmp), args.applications, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())

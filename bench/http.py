"""Requests per second and p50/p99 latency of `check` and of submission over HTTP on loopback,
beside the in-process engine, so that the cost of the web layer shows.

Usage (from the repository root):

    .venv/bin/python bench/http.py --requests 2000 --concurrency 16

For each backend, a fresh database (SQLite in a temporary directory; PostgreSQL in a throwaway
schema of --postgres, skipped with a note if it cannot be reached) is migrated and seeded through
the domain services (an admin, an organisation of Changning eligible for the focus-entities
measure, a member with an API token). One uvicorn worker serves it on 127.0.0.1, started the way
an operator would: `python -m uvicorn --factory ftzlink.api:create_app`, configured by FTZLINK_*
variables, access log off. --concurrency clients (threads, each with its own keep-alive
connection) then send:

  check       POST /api/v1/check with examples/enterprise-changning-ai.yaml as of 2025-06-01
  submission  POST /api/v1/applications, then POST /api/v1/applications/{id}/submit, both with
              an Idempotency-Key; each of the two requests is counted (--requests / 2 pairs)

and, in this process, `ftzlink.rules.evaluate.evaluate` on the same profile in a loop (and the
route's work around it without HTTP: parse, evaluate, report, serialize).

Each operation is bounded by --requests and by --max-seconds. One JSON line per (engine or
backend, operation): {"name", "requests", "seconds", "rps", "p50_ms", "p99_ms", "errors"}, where
latencies are of the successful requests. Nothing listens beyond loopback, and the temporary
directory and schema are removed at the end. Not a test: pytest collects only tests/.
"""

# ruff: noqa: E402  (the imports wait until this folder is off the import path; see below)
from __future__ import annotations

import sys
from pathlib import Path

from anchor import loadavg, revision_src  # (stdlib only: imported while the folder is on the path)

# This file shares its name with the standard library's `http`, which httpx imports: run as a
# script, its folder would come first on the import path and shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ftzlink.audit.log import Actor
from ftzlink.auth import service as auth
from ftzlink.auth.principal import Grant
from ftzlink.auth.tables import Role
from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.catalogue.models import Catalogue
from ftzlink.db import Database
from ftzlink.organisations import service as orgs
from ftzlink.profiles.loader import profile_from_data
from ftzlink.reports import check_report
from ftzlink.rules.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "enterprise-changning-ai.yaml"
# The Changning trial policy is in force from 2024-11-15 to 2026-11-14: evaluate inside it.
AS_OF = dt.date(2025, 6, 1)
MEASURE = "cn-trial-focus-entities"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ANCHOR_REV = "2eebfa6"  # main before issue 19 (engine, check route, uvicorn without httptools)
SYSTEM = Actor(None, "system")


@dataclass
class Result:
    name: str
    latencies: list[float]
    seconds: float
    errors: int

    def line(self) -> dict[str, Any]:
        done = sorted(self.latencies)
        count = len(done) + self.errors
        return {
            "name": self.name,
            "requests": count,
            "seconds": round(self.seconds, 3),
            "rps": round(count / self.seconds, 1) if self.seconds else None,
            "p50_ms": round(_percentile(done, 50) * 1000, 3) if done else None,
            "p99_ms": round(_percentile(done, 99) * 1000, 3) if done else None,
            "errors": self.errors,
        }


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


# --- the world: a database, seeded through the services ----------------------------------------


@dataclass(frozen=True)
class Seeded:
    organisation_id: int
    token: str


def seed(db: Database, catalogue: Catalogue) -> Seeded:
    with db.write() as session:
        admin = auth.create_user(
            session,
            actor=SYSTEM,
            username="admin",
            display_name="Admin",
            password="correct horse battery",
            roles=[Grant(Role.PLATFORM_ADMIN)],
        )
        org = orgs.create_organisation(
            session,
            principal=auth.principal_for(admin),
            catalogue=catalogue,
            uscc="91310105MA1FL4X59N",
            name="上海示例智能科技有限公司",
            district="changning",
            zone="changning",
            sector="smart_internet",
            profile={
                "legal_form": "corporate",
                "credit_standing": "good",
                "district_approved_recipient": True,
                "sub_sector": "artificial_intelligence",
                "development_criteria_met": True,
                "established_on": "2019-03-18",
            },
        )
        member = auth.create_user(
            session,
            actor=SYSTEM,
            username="member",
            display_name="Member",
            password="correct horse battery",
            roles=[Grant(Role.ENTERPRISE_MEMBER, org.id)],
        )
        _, secret = auth.create_token(
            session, actor=Actor(member.id, member.username), user_id=member.id, name="bench"
        )
        return Seeded(organisation_id=org.id, token=secret)


@contextmanager
def sqlite_database(workdir: Path) -> Iterator[str]:
    yield f"sqlite:///{workdir / 'bench.db'}"


@contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A throwaway schema of the server at base_url, dropped afterwards."""
    base = make_url(base_url).set(drivername="postgresql+psycopg")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.set(query={**base.query, "options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- the server ---------------------------------------------------------------------------------


# What serves, by name (--servers): the code (None: this checkout; a git revision otherwise)
# and uvicorn's protocol options. `current` takes uvicorn's defaults: httptools and uvloop when
# installed (`pip install httptools uvloop`; not dependencies yet, see docs/performance.md), h11
# and asyncio otherwise; `h11` is the same code on the pure-Python parser and asyncio's own loop;
# `anchor` is the code before issue 19, on h11 and asyncio.
SERVERS: dict[str, tuple[str | None, list[str]]] = {
    "current": (None, []),
    "h11": (None, ["--http", "h11", "--loop", "asyncio"]),
    "anchor": (ANCHOR_REV, ["--http", "h11", "--loop", "asyncio"]),
}


class Ports:
    """The ports this bench may listen on: --port-base and up, one per server started."""

    def __init__(self, base: int, count: int) -> None:
        self.base, self.count, self.used = base, count, 0

    def next(self) -> int:
        if self.used >= self.count:
            raise RuntimeError(f"more servers than the {self.count} ports from {self.base}")
        self.used += 1
        return self.base + self.used - 1


@contextmanager
def server(
    database_url: str,
    workdir: Path,
    port: int,
    src: Path | None = None,
    uvicorn_args: list[str] | None = None,
) -> Iterator[str]:
    """One uvicorn worker on 127.0.0.1:`port` (of `src`, default this checkout); killed when the
    block ends."""
    env = {
        **os.environ,
        **({"PYTHONPATH": str(src)} if src is not None else {}),
        "FTZLINK_DATABASE_URL": database_url,
        "FTZLINK_DATA_DIR": str(workdir / "data"),
        "FTZLINK_TODAY": AS_OF.isoformat(),
    }
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "ftzlink.api:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-access-log",
                *(uvicorn_args or []),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120  # a busy machine starts slowly
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited:\n{log_path.read_text()}")
                try:
                    if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- measuring ----------------------------------------------------------------------------------

# One unit of work: send its request(s) with the client, and return (latency, ok) per request.
Work = Callable[[httpx.Client, int], list[tuple[float, bool]]]


def timed(
    send: Callable[[], httpx.Response], expect: int
) -> tuple[float, bool, httpx.Response | None]:
    start = time.perf_counter()
    try:
        response = send()
    except httpx.TransportError:
        return time.perf_counter() - start, False, None
    return time.perf_counter() - start, response.status_code == expect, response


def drive(
    name: str,
    url: str,
    work: Work,
    *,
    token: str | None,
    units: int,
    concurrency: int,
    max_seconds: float,
) -> Result:
    """Run `units` units of work over `concurrency` clients, stopping early at max_seconds."""
    counter = iter(range(units))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + max_seconds

    def client_loop() -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    break
                for latency, ok in work(client, n):
                    if ok:
                        mine.append(latency)
                    else:
                        failed += 1
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client_loop) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(name, latencies, time.perf_counter() - start, errors)


def check_work(profile: dict[str, Any]) -> Work:
    body = {"profile": profile, "as_of": AS_OF.isoformat()}

    def work(client: httpx.Client, _n: int) -> list[tuple[float, bool]]:
        latency, ok, _ = timed(lambda: client.post("/api/v1/check", json=body), 200)
        return [(latency, ok)]

    return work


def submission_work(organisation_id: int) -> Work:
    run = itertools.count()

    def work(client: httpx.Client, _n: int) -> list[tuple[float, bool]]:
        n = next(run)  # unique across warm-up and measurement: each key files a new application
        key = f"bench-{n}"
        body = {
            "organisation_id": organisation_id,
            "measure_id": MEASURE,
            "requested_amount": 1_000_000 + n,
        }
        created_latency, created_ok, created = timed(
            lambda: client.post(
                "/api/v1/applications", json=body, headers={"Idempotency-Key": key}
            ),
            201,
        )
        if not created_ok or created is None:
            return [(created_latency, False)]
        app_id = created.json()["id"]
        submit_latency, submit_ok, _ = timed(
            lambda: client.post(
                f"/api/v1/applications/{app_id}/submit",
                headers={"Idempotency-Key": f"{key}-submit"},
            ),
            200,
        )
        return [(created_latency, True), (submit_latency, submit_ok)]

    return work


def engine_loop(
    catalogue: Catalogue, profile: dict[str, Any], *, calls: int, max_seconds: float
) -> list[Result]:
    """The engine in this process, one call after another: what `check` costs without HTTP.

    `evaluate` alone, then what the route does around it (parse the profile, evaluate, build the
    report, serialize it to JSON) without the server and the network.
    """
    parsed = profile_from_data(profile, catalogue)

    def route() -> None:
        p = profile_from_data(profile, catalogue)
        check_report(p, AS_OF, evaluate(catalogue, p, AS_OF)).model_dump_json()

    steps = [
        ("engine/in-process/evaluate", lambda: evaluate(catalogue, parsed, AS_OF)),
        ("engine/in-process/check+json", route),
    ]
    results = []
    for name, step in steps:
        step()  # warm caches, as the server's warm-up requests do
        latencies = []
        start = time.perf_counter()
        deadline = start + max_seconds
        for _ in range(calls):
            if time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            step()
            latencies.append(time.perf_counter() - t0)
        results.append(Result(name, latencies, time.perf_counter() - start, 0))
    return results


def bench_backend(
    backend: str,
    database_url: str,
    workdir: Path,
    catalogue: Catalogue,
    profile: dict[str, Any],
    args: argparse.Namespace,
    ports: Ports,
    sources: dict[str, Path | None],
) -> list[Result]:
    db = Database(database_url)
    try:
        db.upgrade()
        seeded = seed(db, catalogue)
    finally:
        db.dispose()
    results = []
    for name in args.servers:
        _rev, uvicorn_args = SERVERS[name]
        suffix = "" if name == "current" else f"@{name}"
        with server(database_url, workdir, ports.next(), sources[name], uvicorn_args) as url:
            # `check` is public: sent as anyone may, without a token (a token costs a lookup).
            check = check_work(profile)
            submission = submission_work(seeded.organisation_id)
            limits = {"concurrency": args.concurrency, "max_seconds": args.max_seconds}
            # Warm up: imports, connection pools and caches, so that the first requests are not
            # timed.
            if "check" in args.operations:
                drive("warm-up", url, check, token=None, units=50, concurrency=4, max_seconds=30)
                results.append(
                    drive(
                        f"http/{backend}/check{suffix}",
                        url,
                        check,
                        token=None,
                        units=args.requests,
                        **limits,
                    )
                )
            if "submission" in args.operations:
                drive(
                    "warm-up",
                    url,
                    submission,
                    token=seeded.token,
                    units=20,
                    concurrency=4,
                    max_seconds=30,
                )
                results.append(
                    drive(
                        f"http/{backend}/submission{suffix}",
                        url,
                        submission,
                        token=seeded.token,
                        units=args.requests // 2,
                        **limits,
                    )
                )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="HTTP requests per operation")
    parser.add_argument("--concurrency", type=int, default=16, help="clients sending at once")
    parser.add_argument(
        "--max-seconds", type=float, default=120, help="stop an operation early after this"
    )
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="PostgreSQL server to use a throwaway schema of ('' to skip PostgreSQL)",
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=18400,
        help="listen only on ports from this one up (one per server started: backends x servers)",
    )
    parser.add_argument(
        "--operations",
        type=lambda v: v.split(","),
        default=["check", "submission"],
        help="comma-separated: check, submission",
    )
    parser.add_argument(
        "--servers",
        type=lambda v: v.split(","),
        default=["current"],
        help=f"comma-separated, each in turn: {', '.join(SERVERS)} (see SERVERS)",
    )
    parser.add_argument(
        "--anchor-rev",
        default=ANCHOR_REV,
        help=f"the revision the `anchor` server runs (default {ANCHOR_REV}; e.g. main)",
    )
    parser.add_argument("--skip-engine", action="store_true", help="no in-process engine lines")
    args = parser.parse_args(argv)
    SERVERS["anchor"] = (args.anchor_rev, SERVERS["anchor"][1])
    if unknown := set(args.servers) - set(SERVERS):
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    if args.requests < 2 or args.concurrency < 1:
        parser.error("--requests must be at least 2 and --concurrency at least 1")

    catalogue = bundled_catalogue()
    profile = json.loads(
        json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str)
    )
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
                "python": platform.python_version(),
                "requests": args.requests,
                "concurrency": args.concurrency,
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    if not args.skip_engine:
        for result in engine_loop(
            catalogue, profile, calls=args.requests, max_seconds=args.max_seconds
        ):
            print(json.dumps(result.line()), flush=True)
    with ExitStack() as sources_stack, tempfile.TemporaryDirectory(prefix="ftzlink-bench-") as tmp:
        sources: dict[str, Path | None] = {}
        for name in args.servers:
            rev = SERVERS[name][0]
            sources[name] = None if rev is None else sources_stack.enter_context(revision_src(rev))
        ports = Ports(args.port_base, 2 * len(args.servers))
        backends: list[tuple[str, Callable[[], Any]]] = [
            ("sqlite", lambda: sqlite_database(Path(tmp)))
        ]
        if args.postgres:
            backends.append(("postgresql", lambda: postgres_database(args.postgres)))
        for backend, open_database in backends:
            workdir = Path(tmp) / backend
            workdir.mkdir()
            with ExitStack() as stack:
                try:
                    url = stack.enter_context(open_database())
                except Exception as error:
                    reason = str(error).splitlines()[0]
                    print(json.dumps({"name": f"http/{backend}", "skipped": reason}), flush=True)
                    continue
                for result in bench_backend(
                    backend, url, workdir, catalogue, profile, args, ports, sources
                ):
                    print(json.dumps({**result.line(), "loadavg": loadavg()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

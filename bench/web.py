"""Server time (p50/p95) and bytes on first load of the web UI's main pages, with the demo data,
beside the REST API's JSON for the same data in the same run.

Usage (from the repository root):

    .venv/bin/python bench/web.py --requests 200

A fresh data directory gets the demo (`ftzlink serve --demo`, one uvicorn worker on 127.0.0.1,
as of FTZLINK_TODAY=2026-11-01 so that the demo's policies are in force). Each page is requested
--requests times in a row by one client with a keep-alive connection, as the user the page is for
(signed in through the sign-in form), after 5 warm-up requests. For each page one JSON line:

  {"page", "as", "requests", "server_p50_ms", "server_p95_ms", "loopback_p50_ms",
   "loopback_p95_ms", "html_bytes", "first_load_bytes", "status"}

where server times come from the app's Server-Timing header (from the request reaching the app to
the response being ready) and loopback times are what the client saw. first_load_bytes is the
page plus every stylesheet, script, icon and image it references, as a first visit with an empty
cache fetches them (response bodies; the server does not compress). Rows named `api:` are the REST
API's JSON for comparison. Not a test: pytest collects only tests/.
"""

# ruff: noqa: E402  (the imports wait until this folder is off the import path; see below)
from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py shares its name with the standard library's `http`, which httpx imports: run as a
# script, this folder would come first on the import path and shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import platform
import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin

import httpx

PASSWORD = "ftzlink-demo"
ASSET = re.compile(r'<(?:link|script|img)\b[^>]*?(?:href|src)="(/[^"]+)"')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(workdir: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "FTZLINK_DATA_DIR": str(workdir),
        "FTZLINK_TODAY": "2026-11-01",
        "COLUMNS": "200",
    }
    env.pop("FTZLINK_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "ftzlink", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/sign-in", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {process.stderr.read().decode()}")
            time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _keep_cookies(client: httpx.Client) -> None:
    """Send back every cookie the site sets. The site marks its cookies Secure, which browsers
    honour on loopback but httpx's cookie jar does not over plain HTTP."""
    jar: dict[str, str] = {}

    def remember(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
        client.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())

    client.event_hooks["response"].append(remember)


def sign_in(url: str, username: str | None) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    _keep_cookies(client)
    if username is None:
        return client
    page = client.get("/sign-in")
    token = TOKEN.search(page.text)
    assert token, "no CSRF token on the sign-in page"
    answer = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303, f"sign-in as {username} failed: {answer.status_code}"
    return client


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def first_link(client: httpx.Client, page: str, pattern: str) -> str | None:
    found = re.search(pattern, client.get(page).text)
    return found.group(0) if found else None


def measure(client: httpx.Client, path: str, requests: int) -> dict[str, Any]:
    for _ in range(5):
        client.get(path)
    server_ms: list[float] = []
    loopback_ms: list[float] = []
    status = 0
    html = b""
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        loopback_ms.append((time.perf_counter() - started) * 1000)
        timing = re.search(r"dur=([\d.]+)", answer.headers.get("server-timing", ""))
        if timing:
            server_ms.append(float(timing.group(1)))
        status, html = answer.status_code, answer.content
    assets = dict.fromkeys(ASSET.findall(html.decode("utf-8", "replace")))
    fresh = httpx.Client(base_url=str(client.base_url), headers=client.headers, timeout=30)
    first_load = len(html) + sum(
        len(fresh.get(urljoin("/", asset.replace("&amp;", "&"))).content) for asset in assets
    )
    fresh.close()
    return {
        "requests": requests,
        "server_p50_ms": round(_percentile(server_ms, 0.50), 2),
        "server_p95_ms": round(_percentile(server_ms, 0.95), 2),
        "loopback_p50_ms": round(_percentile(loopback_ms, 0.50), 2),
        "loopback_p95_ms": round(_percentile(loopback_ms, 0.95), 2),
        "html_bytes": len(html),
        "first_load_bytes": first_load,
        "status": status,
    }


def pages(url: str) -> Iterator[tuple[str, str | None, str]]:
    """(name, user, path) of the main pages, with objects found by following the site's links."""
    visitor = sign_in(url, None)
    yield "start", None, "/"
    yield "zones", None, "/zones"
    yield "zone finder", None, "/zones?q=%E6%96%B0%E5%A4%A9%E5%9C%B0"
    yield "zone", None, "/zones/huangpu"
    yield "policies", None, "/policies"
    yield "measure", None, "/measures/cn-trial-focus-entities"
    yield "checker", None, "/check"
    yield "checker result", None, "/check/result"
    yield "api: zones", None, "/api/v1/zones"
    yield "api: policies", None, "/api/v1/policies"
    yield "api: measure", None, "/api/v1/measures/cn-trial-focus-entities"
    visitor.close()
    enterprise = sign_in(url, "cn-ai-admin")
    yield "dashboard", "cn-ai-admin", "/applications"
    status = first_link(enterprise, "/applications", r"/applications/\d+")
    if status:
        yield "application status", "cn-ai-admin", status
    yield "apply (start)", "cn-ai-admin", "/applications/new?measure=cn-trial-focus-entities"
    yield "api: applications", "cn-ai-admin", "/api/v1/applications"
    enterprise.close()
    reviewer = sign_in(url, "cn-reviewer")
    yield "review queue", "cn-reviewer", "/review"
    review = first_link(reviewer, "/review", r"/review/\d+")
    if review:
        yield "review application", "cn-reviewer", review
    yield "statistics", "cn-reviewer", "/statistics"
    yield "api: applications (reviewer)", "cn-reviewer", "/api/v1/applications"
    reviewer.close()
    yield "budgets", "cn-budget", "/budgets"
    yield "audit log", "auditor", "/audit"
    yield "api: audit", "auditor", "/api/v1/audit"
    # The services built after the first pages: talent, cross-border data, ledger, pilot cases.
    employer = sign_in(url, "cn-ai-admin")
    yield "talent applications", "cn-ai-admin", "/talent"
    case = first_link(employer, "/talent", r"/talent/cases/\d+")
    if case:
        yield "talent case status", "cn-ai-admin", case
    yield "data transfers", "cn-ai-admin", "/dataflow"
    employer.close()
    yield "work-permit queue", "work-permits", "/talent/queue/work-permit"
    yield "data filings queue", "data-regulator", "/dataflow/queue"
    yield "ledger", None, "/ledger"
    yield "pilot cases", None, "/pilots"
    visitor = sign_in(url, None)
    pilot = first_link(visitor, "/pilots", r"/pilots/\d+")
    visitor.close()
    if pilot:
        yield "pilot case", None, pilot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    print(
        json.dumps(
            {
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "system": platform.platform(),
            }
        ),
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp)) as url:
        clients: dict[str | None, httpx.Client] = {}
        for name, user, path in list(pages(url)):
            if user not in clients:
                clients[user] = sign_in(url, user)
            row = {"page": name, "as": user or "visitor", "path": path}
            row.update(measure(clients[user], path, args.requests))
            print(json.dumps(row, ensure_ascii=False), flush=True)
        for client in clients.values():
            client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

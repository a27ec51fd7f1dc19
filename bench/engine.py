"""One profile, all measures of the catalogue, with explanations, in this process: the engine's
latency (min / median / p99 per run), beside the same work done by another revision's engine (the
anchor, default: the engine before it was compiled once per catalogue) in the same run.

Usage (from the repository root):

    .venv/bin/python bench/engine.py --runs 3 --calls 2000
    .venv/bin/python bench/engine.py --anchor-rev ''        # the current engine only

Each run evaluates examples/enterprise-changning-ai.yaml as of 2025-06-01 `--calls` times after
200 warm-up calls, in a fresh interpreter (current and anchor alternate run by run), once with
`evaluate` alone and once as the `check` route does its work without HTTP (evaluate, report, JSON).
One JSON line per (engine, step, run): {"name", "engine", "run", "calls", "min_ms", "p50_ms",
"p99_ms", "loadavg"}, then one summary line per (engine, step) with the min and median over runs
of each figure. Nothing listens; nothing is written. Not a test: pytest collects only tests/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from contextlib import ExitStack

from anchor import ROOT, loadavg, revision_src

DEFAULT_ANCHOR = "2eebfa6"  # main before issue 19: the engine describing every node per call

CHILD = r"""
import datetime as dt, gc, json, sys, time
from pathlib import Path
import yaml
from ftzlink.catalogue.loader import bundled_catalogue
from ftzlink.profiles.loader import profile_from_data
from ftzlink.reports import check_report
from ftzlink.rules.evaluate import evaluate

calls = int(sys.argv[1])
catalogue = bundled_catalogue()
data = yaml.safe_load(Path(sys.argv[2]).read_text(encoding="utf-8"))
profile = profile_from_data(data, catalogue)
day = dt.date(2025, 6, 1)
steps = {
    "evaluate": lambda: evaluate(catalogue, profile, day),
    "check+json": lambda: check_report(profile, day, evaluate(catalogue, profile, day)).model_dump_json(),
}
for name, step in steps.items():
    for _ in range(200):
        step()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    ms = lambda q: round(times[min(len(times) - 1, int(q * len(times)))] * 1e3, 3)
    print(json.dumps({"step": name, "calls": calls, "min_ms": round(times[0] * 1e3, 3),
                      "p50_ms": ms(0.5), "p99_ms": ms(0.99)}), flush=True)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per step and run")
    parser.add_argument(
        "--anchor-rev", default=DEFAULT_ANCHOR, help="git revision to compare with ('' for none)"
    )
    args = parser.parse_args(argv)
    example = ROOT / "examples" / "enterprise-changning-ai.yaml"
    with ExitStack() as stack:
        engines = {"current": ROOT / "src"}
        if args.anchor_rev:
            engines[f"anchor:{args.anchor_rev}"] = stack.enter_context(
                revision_src(args.anchor_rev)
            )
        lines: list[dict[str, object]] = []
        for run in range(1, args.runs + 1):
            for engine, src in engines.items():
                env = {**os.environ, "PYTHONPATH": str(src)}
                done = subprocess.run(
                    [sys.executable, "-c", CHILD, str(args.calls), str(example)],
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                load = loadavg()
                for raw in done.stdout.splitlines():
                    figure = json.loads(raw)
                    line = {
                        "name": f"engine/in-process/{figure.pop('step')}",
                        "engine": engine,
                        "run": run,
                        **figure,
                        "loadavg": load,
                    }
                    lines.append(line)
                    print(json.dumps(line), flush=True)
        for engine in engines:
            for name in dict.fromkeys(str(line["name"]) for line in lines):
                mine = [line for line in lines if line["engine"] == engine and line["name"] == name]
                summary: dict[str, object] = {
                    "name": name,
                    "engine": engine,
                    "summary": True,
                    "runs": len(mine),
                }
                for key in ("min_ms", "p50_ms", "p99_ms"):
                    values = [float(line[key]) for line in mine]  # type: ignore[arg-type]
                    summary[f"{key}_min"] = min(values)
                    summary[f"{key}_median"] = statistics.median(values)
                summary["loadavg"] = loadavg()
                print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

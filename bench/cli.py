"""`ftzlink --help` as a process: wall-clock seconds from start to exit, beside the same for
another revision (the anchor, default: before the CLI imported its commands lazily) and for a
Python that only imports Typer and Rich (the floor), in the same run.

Usage (from the repository root):

    .venv/bin/python bench/cli.py --runs 3 --times 10

Each run starts every process `--times` times (alternating), and reports the min and median of
each. One JSON line per (what, run): {"name", "what", "run", "times", "min_s", "p50_s",
"loadavg"}, then a summary line per `what` with min and median over runs. Nothing listens.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack

from anchor import ROOT, loadavg, revision_src

DEFAULT_ANCHOR = "2eebfa6"  # main before issue 19: every command module imported for --help


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--times", type=int, default=10, help="processes per what and run")
    parser.add_argument("--anchor-rev", default=DEFAULT_ANCHOR, help="('' for none)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        commands = {
            "current": ([sys.executable, "-m", "ftzlink", "--help"], ROOT / "src"),
            "typer+rich": ([sys.executable, "-c", "import typer, rich.console"], ROOT / "src"),
        }
        if args.anchor_rev:
            old = stack.enter_context(revision_src(args.anchor_rev))
            commands[f"anchor:{args.anchor_rev}"] = (commands["current"][0], old)
        for command, src in commands.values():  # compile the .pyc files first, untimed
            env = {**os.environ, "PYTHONPATH": str(src)}
            subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)
        lines = []
        for run in range(1, args.runs + 1):
            seconds: dict[str, list[float]] = {what: [] for what in commands}
            for _ in range(args.times):
                for what, (command, src) in commands.items():
                    env = {**os.environ, "PYTHONPATH": str(src)}
                    start = time.perf_counter()
                    subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=True)
                    seconds[what].append(time.perf_counter() - start)
            load = loadavg()
            for what, values in seconds.items():
                line = {
                    "name": "cli/help",
                    "what": what,
                    "run": run,
                    "times": len(values),
                    "min_s": round(min(values), 4),
                    "p50_s": round(statistics.median(values), 4),
                    "loadavg": load,
                }
                lines.append(line)
                print(json.dumps(line), flush=True)
        for what in commands:
            mine = [line for line in lines if line["what"] == what]
            summary = {"name": "cli/help", "what": what, "summary": True, "runs": len(mine)}
            for key in ("min_s", "p50_s"):
                values = [float(line[key]) for line in mine]  # type: ignore[arg-type]
                summary[f"{key}_min"] = min(values)
                summary[f"{key}_median"] = statistics.median(values)
            print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

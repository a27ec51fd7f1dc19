"""The code of another git revision, extracted to a temporary directory, to measure beside the
current code in the same run (e.g. the engine before a change). Used by bench/engine.py and
bench/cli.py; not a script."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def revision_src(rev: str) -> Iterator[Path]:
    """`src/` as it was at `rev` (a commit, a branch), removed when the block ends; put it first
    on PYTHONPATH to import that revision's ftzlink."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="ftzlink-anchor-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "src"


def loadavg() -> list[float]:
    """The machine's load (1, 5, 15 minutes), to print beside every figure."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []

"""The layering rules of docs/architecture.md, checked on the source tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ftzlink.workflow import all_workflows

SRC = Path(__file__).resolve().parent.parent / "src" / "ftzlink"
WEB = SRC / "web"
ADAPTERS = ("web", "cli", "api")


def _python(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC))


def test_no_source_file_exceeds_800_lines() -> None:
    too_long = {
        _rel(p): n
        for p in _python(SRC)
        if "migrations" not in p.parts and (n := len(p.read_text("utf-8").splitlines())) > 800
    }
    assert too_long == {}, "split these along their own sections (docs/architecture.md)"


def test_the_web_issues_no_query_of_its_own() -> None:
    """Pages call a service; every query, with the principal's scope, lives in the domain."""
    query = re.compile(r"\bselect\(|\bsession\.(get|scalar|scalars|execute|add|delete|flush)\(")
    found = [
        f"{_rel(p)}:{n}: {line.strip()}"
        for p in [*_python(WEB), *sorted(WEB.rglob("*.html"))]
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
        if query.search(line)
    ]
    assert found == []


_FRAMEWORKS = ("fastapi", "starlette", "jinja2", "typer", "rich", "ftzlink.web", "ftzlink.cli")


def test_domains_import_no_adapter() -> None:
    """Only a domain's REST router (`api.py`, `*_api.py`) and ops' ASGI middleware may."""
    offending = []
    for path in _python(SRC):
        top = path.relative_to(SRC).parts[0]
        if top in (*ADAPTERS, "__main__.py", "migrations") or path.stem.endswith("api"):
            continue
        if path.name == "middleware.py" and top == "ops":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            offending += [
                f"{_rel(path)}:{node.lineno}: {name}"
                for name in names
                if any(name == f or name.startswith(f + ".") for f in _FRAMEWORKS)
            ]
    assert offending == []


def _reads_error_text(tree: ast.AST) -> list[int]:
    """Lines that compare or search an error's text (a caught error, `*error*`, `.message`)."""
    caught = {h.name for h in ast.walk(tree) if isinstance(h, ast.ExceptHandler) and h.name}
    lines = []
    for node in ast.walk(tree):
        text_of_error = False
        if isinstance(node, ast.Compare) and any(
            isinstance(o, ast.In | ast.NotIn) for o in node.ops
        ):
            for side in node.comparators:
                for sub in ast.walk(side):
                    if (
                        isinstance(sub, ast.Call)
                        and isinstance(sub.func, ast.Name)
                        and sub.func.id == "str"
                        and any(
                            (isinstance(a, ast.Name) and (a.id in caught or "error" in a.id))
                            or (isinstance(a, ast.Attribute) and "error" in a.attr)
                            for a in sub.args
                        )
                    ) or (isinstance(sub, ast.Attribute) and sub.attr in ("message", "summary")):
                        text_of_error = True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and any(
                isinstance(sub, ast.Attribute) and sub.attr in ("message", "summary")
                for a in node.args
                for sub in ast.walk(a)
            )
        ):
            text_of_error = True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _REGEX_METHODS
            and any(_is_error_text(sub, caught) for a in node.args for sub in ast.walk(a))
        ):
            text_of_error = True  # a pattern (a table of them, `re`…) applied to an error's text
        if text_of_error:
            lines.append(node.lineno)
    return lines


_REGEX_METHODS = ("search", "match", "fullmatch", "findall", "finditer")


def _is_error_text(node: ast.AST, caught: set[str]) -> bool:
    """An expression that holds an error's prose: `why`, `message`, `str(error)`, `x.why`…"""
    words = ("why", "message", "summary")
    if isinstance(node, ast.Name):
        return node.id in words or node.id in caught or "error" in node.id
    if isinstance(node, ast.Attribute):
        return node.attr in words or "error" in node.attr
    return False


def test_the_error_text_check_catches_a_regex_table_over_error_text() -> None:
    """The check above fails on the way pages used to read the ledger verifier's prose."""
    old_way = """
import re
PROBLEMS = ((re.compile(r"appears twice"), "twice"),)
def _why(web, why):
    for pattern, message in PROBLEMS:
        if found := pattern.search(why):
            return message
def _page(check):
    return [p for p, _ in PROBLEMS if p.match(check.why)]
def _form(form):
    return re.fullmatch(r"[0-9]+", form.value)
"""
    assert _reads_error_text(ast.parse(old_way)) == [6, 9]


def test_no_adapter_matches_the_text_of_an_error() -> None:
    """Adapters recognise a refusal by its type and `code`, never by its English message."""
    found = [
        f"{_rel(path)}:{line}"
        for top in ADAPTERS
        for path in _python(SRC / top)
        for node in [ast.parse(path.read_text("utf-8"))]
        for line in _reads_error_text(node)
    ]
    assert found == []


def test_every_workflow_is_declared_and_documented() -> None:
    names = {wf.name for wf in all_workflows()}
    expected = {
        "applications",
        "talent_tracks",
        "talent_cases",
        "proactive",
        "pilots",
        "dataflow_filings",
        "dataflow_inspections",
        "foreign_offices",
    }
    assert expected <= names
    text = (SRC.parent.parent / "docs" / "workflow.md").read_text("utf-8")
    for wf in all_workflows():
        assert f"`{wf.name}`" in text
        for t in wf.transitions:
            assert f"| {t.action} |" in text

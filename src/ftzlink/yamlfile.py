"""Reading YAML (and JSON) so that any problem can be reported as file:line: field: message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ftzlink.errors import Problem

__all__ = ["Document", "read_document"]


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date that does not exist (2019-02-30) is refused at its line, not a traceback."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a date that exists", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


@dataclass(frozen=True)
class Document:
    """A parsed file: its data, and its node tree for finding the line of any path in it."""

    path: Path
    data: Any
    root: yaml.Node | None

    def locate(self, loc: Sequence[int | str]) -> tuple[int | None, str]:
        """The line of `loc` (a Pydantic error location) and its clean dotted path.

        Union tags in `loc` that are not keys of the document are skipped.
        """
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        parts: list[str] = []
        for key in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                child = next((v for k, v in node.value if k.value == key), None)
                if child is None:
                    # An unknown or missing key: point at the mapping, name the key.
                    if not key.startswith(("function-", "tagged-union", "list[")) and (
                        key not in {"all", "any", "not", "exists", "compare"}
                    ):
                        parts.append(key)
                    continue
                key_node = next(k for k, v in node.value if v is child)
                line = key_node.start_mark.line + 1
                parts.append(key)
                node = child
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if 0 <= key < len(node.value):
                    node = node.value[key]
                    line = node.start_mark.line + 1
                parts.append(f"[{key}]")
        path = ".".join(parts).replace(".[", "[")
        return line, path

    def problem(self, loc: Sequence[int | str], message: str) -> Problem:
        line, path = self.locate(loc)
        return Problem(message=message, file=self.path, line=line, field=path or None)

    def validation_problems(
        self, error: ValidationError, prefix: Sequence[int | str] = ()
    ) -> list[Problem]:
        problems = []
        for item in error.errors(include_url=False):
            message = item["msg"]
            if item["type"] == "extra_forbidden":
                message = "unknown field"
            elif item["type"] == "missing":
                message = "required field is missing"
            problems.append(self.problem([*prefix, *item["loc"]], message))
        return _dedupe(problems)


def _dedupe(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    unique = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


def read_document(path: Path) -> Document | Problem:
    """Parse a YAML or JSON file; a syntax error comes back as a Problem with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Problem("no such file", file=path)
    except IsADirectoryError:
        return Problem("is a directory, expected a file", file=path)
    except UnicodeDecodeError:
        return Problem("is not UTF-8 text", file=path)
    except OSError as exc:
        return Problem(f"cannot be read: {exc.strerror}", file=path)
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(s for s in (exc.context, exc.problem) if s)
        return Problem(f"not valid YAML: {what}", file=path, line=line)
    except yaml.YAMLError as exc:
        return Problem(f"not valid YAML: {exc}", file=path)
    finally:
        loader.dispose()
    return Document(path=path, data=data, root=root)

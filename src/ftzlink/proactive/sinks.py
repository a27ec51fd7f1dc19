"""Notification sinks: where the outbox is delivered. A file of JSON lines under the data
directory is built in (the console's is the CLI's, `ftzlink.cli.proactive.ConsoleSink`); e-mail or SMS is another class with `name` and `send`
(the `ftzlink.proactive.outbox.Sink` protocol), not part of the platform."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ftzlink.proactive.outbox import Message

__all__ = ["FileSink", "default_outbox"]


def default_outbox(data_dir: Path) -> Path:
    """The file sink's default file."""
    return data_dir / "notifications" / "outbox.jsonl"


def _record(message: Message) -> dict[str, Any]:
    data = asdict(message)
    data["subject"], data["body"] = dict(message.subject), dict(message.body)
    data["created_at"] = message.created_at.isoformat()
    return data


class FileSink:
    """Appends each message as one JSON line; a receiver dedupes by `id`."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: Message) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(_record(message), ensure_ascii=False) + "\n")
            handle.flush()

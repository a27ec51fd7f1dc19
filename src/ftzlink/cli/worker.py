"""`ftzlink worker`: deliver the message outbox (e-mail, webhook) and send reminders on their
schedule, until SIGTERM or Ctrl-C; `--once` delivers what is due and exits."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from ftzlink.cli import app
from ftzlink.cli.database import open_database
from ftzlink.cli.output import console
from ftzlink.settings import Settings


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Deliver what is due now, then exit."),
) -> None:
    """Deliver messages by e-mail (FTZLINK_SMTP_URL) and webhook (FTZLINK_WEBHOOK_URL) from the
    outbox, retrying with back-off; stops cleanly on SIGTERM. Run it with FTZLINK_WORKER=off on
    the serving side, or let `ftzlink serve` run it embedded."""
    from ftzlink.messages.worker import Worker
    from ftzlink.ops import logs

    settings = Settings.from_env()
    logs.configure(fmt=settings.log_format)
    with open_database(settings) as db:
        work = Worker(db=db, settings=settings)
        if once:
            done = work.run_once()
            console.print(
                f"fanned out {done.fanned_out}, sent {done.sent}, retrying {done.retried}, "
                f"failed {done.failed}, reminders {done.reminders}",
                markup=False,
            )
            if done.errors:
                raise typer.Exit(1)
            return
        stop = threading.Event()

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()  # finish the e-mail in hand, leave the rest claimed or pending

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        work.run(stop)

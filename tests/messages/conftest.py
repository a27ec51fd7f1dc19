from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.messages.smtp import SmtpServer
from tests.web.conftest import (  # noqa: F401
    _demo_postgresql,
    demo_database,
    make_visitor,
    visitor,
)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (aiosmtpd), its own for the test."""
    with SmtpServer() as server:
        yield server

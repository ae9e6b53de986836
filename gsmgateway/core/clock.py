"""The default clock: every service takes ``clock`` so tests can move time instead of waiting."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)

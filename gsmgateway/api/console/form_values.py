"""Reading the console's search forms: optional ids, and local days turned into a window of UTC times.

Shared by every page with a search form (messages, received messages), so an id or a day is read
and refused the same way everywhere. Every field may be empty; a malformed one is a
:class:`ValidationError` naming the field, which the page shows above the form.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

from aiohttp import web

from gsmgateway.api.console.context import OPERATOR
from gsmgateway.api.schemas import Field, FieldKind
from gsmgateway.core.errors import ValidationError

_ID: Final = Field("id", "id", FieldKind.IDENTIFIER, "A client or staff id.", example="12")


def parse_id(raw: str, name: str) -> str:
    """Return ``raw`` if it can be a client or staff id. :raises ValidationError: naming ``name``."""
    value: str = _ID.parse(raw, name)
    return value


def query_id(request: web.Request, name: str) -> str | None:
    """Return the client or staff id in the query field ``name`` (None when empty)."""
    raw = request.query.get(name, "").strip()
    return parse_id(raw, name) if raw else None


def query_day(request: web.Request, name: str) -> date | None:
    """Return the date in the query field ``name`` (None when empty)."""
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a date such as 2026-12-01", field=name) from None


def day_window(request: web.Request) -> tuple[datetime | None, datetime | None]:
    """Return the branch's local days ``from`` … ``to`` (both included) as [start, end) moments.

    :raises ValidationError: a malformed date, or the first day after the last.
    """
    zone = request.app[OPERATOR].zone
    first, last = query_day(request, "from"), query_day(request, "to")
    start = datetime.combine(first, time(0), tzinfo=zone) if first else None
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone) if last else None
    if start and end and start >= end:
        raise ValidationError("the first day must not be after the last day", field="from")
    return start, end

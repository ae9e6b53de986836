"""The console's search forms: optional ids, local days as a window of UTC times, and the result page.

Shared by every page with a search form (messages, received messages), so an id or a day is read
and refused the same way everywhere. Every field may be empty; a malformed one is a
:class:`ValidationError` naming the field, which the page shows above the form (status 400).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Protocol

from aiohttp import web

from gsmgateway.api.console.context import OPERATOR
from gsmgateway.api.console.rendering import render
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


class ListPage(Protocol):
    """One page of a newest-first list: its items and the cursor of the next page (None: the last)."""

    @property
    def items(self) -> Sequence[Any]: ...  # noqa: D102 - the protocol's docstring says it

    @property
    def next_cursor(self) -> str | None: ...  # noqa: D102


async def search_page(
    request: web.Request, template: str, fields: Sequence[str], load: Callable[[], Awaitable[ListPage]],
    extra: dict[str, Any] | None = None,
) -> web.Response:  # fmt: skip
    """Render ``template`` with the form as sent, one page from ``load()`` and the link to the next.

    A :class:`ValidationError` from reading the form or from the query is shown above the form.
    """
    form = {name: request.query.get(name, "") for name in fields}
    context: dict[str, Any] = {**(extra or {}), "form": form, "items": [], "next_cursor": None, "error": None}
    try:
        page = await load()
    except ValidationError as exc:
        context["error"] = exc.message
        return render(request, template, context, status=400)
    context.update(items=page.items, next_cursor=page.next_cursor)
    if page.next_cursor:
        context["next_query"] = {**{k: v for k, v in form.items() if v}, "cursor": page.next_cursor}
    return render(request, template, context)

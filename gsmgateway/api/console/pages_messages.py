"""Messages: search, one message's parts and timeline, cancel, decide an ``unknown``, a test SMS.

Every action is a ``POST`` form (guarded by the session's CSRF token) answered with a redirect to the
message's page, so reloading a page never repeats an action; the page then says what was done.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Final

from aiohttp import web

from gsmgateway.api.console.context import MESSAGES, OPERATOR, SESSION
from gsmgateway.api.console.form_values import day_window, parse_id, query_id, search_page
from gsmgateway.api.console.guard import see_other
from gsmgateway.api.console.present import MOVING, STATUS_WORDS
from gsmgateway.api.console.rendering import render
from gsmgateway.api.handlers_sms import message_id
from gsmgateway.core.errors import (
    RateLimitedError,
    RecipientError,
    StaleTransitionError,
    ValidationError,
)
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import MessagePage, MessageView
from gsmgateway.messages.message_service import MessageQuery, SubmitRequest

PAGE_SIZE: Final = 50
#: What the message page says after an action redirected to it (``?done=…``).
DONE: Final = {
    "cancelled": "The message was cancelled; it will not be sent.",
    "marked-sent": "Recorded: the message was sent. A late delivery report may still confirm it.",
    "marked-not-sent": "Recorded: the message was not sent. It will not be sent again.",
    "test-accepted": "Test SMS accepted. This page follows it until the network confirms delivery.",
}


def _search_query(request: web.Request) -> MessageQuery:
    """Read the search form (all fields optional) into the service's query.

    :raises ValidationError: a malformed id, status or date, or both a client and a staff id.
    """
    status = request.query.get("status", "").strip()
    if status and status not in STATUS_WORDS:
        raise ValidationError(f"unknown status {status!r}", field="status")
    created_from, created_to = day_window(request)
    return MessageQuery(
        status=MessageStatus(status) if status else None,
        client_id=query_id(request, "client"),
        staff_id=query_id(request, "staff"),
        created_from=created_from,
        created_to=created_to,
        cursor=request.query.get("cursor") or None,
        limit=PAGE_SIZE,
    )


async def search(request: web.Request) -> web.Response:
    """``GET /console/messages``: newest first, filtered by client, staff, status and days."""

    async def load() -> MessagePage:
        return await request.app[MESSAGES].list(_search_query(request))

    return await search_page(request, "messages.html", ("client", "staff", "status", "from", "to"), load)


def _moving(message: MessageView, now: datetime) -> bool:
    """Whether the message may change within seconds (its page then follows it).

    A message scheduled for later is left alone: refreshing it for hours helps nobody, and a page
    that keeps replacing itself is a harder page to press a button on.
    """
    if message.status.value not in MOVING:
        return False
    return message.send_at is None or message.send_at <= now + timedelta(minutes=1)


async def _detail_page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    detail = await request.app[MESSAGES].get(message_id(request))
    context = {
        "detail": detail,
        "message": detail.message,
        "done": DONE.get(request.query.get("done", "")),
        "error": error,
        "refresh": 3 if _moving(detail.message, request.app[OPERATOR].now()) else None,
    }
    return render(request, "message.html", context, status=status)


async def detail(request: web.Request) -> web.Response:
    """``GET /console/messages/{id}``: the message, its parts, attempts and full timeline."""
    return await _detail_page(request)


def _back_to(request: web.Request, done: str) -> web.Response:
    return see_other(f"{request.path.rsplit('/', 1)[0]}?done={done}")


async def cancel(request: web.Request) -> web.StreamResponse:
    """``POST /console/messages/{id}/cancel``: cancel a message that is still waiting to be sent.

    The console is the branch operator's desk, so it may cancel any caller's message (the API's keys
    only their own); the event names the operator's key.
    """
    try:
        await request.app[MESSAGES].cancel(
            message_id(request), caller=request[SESSION].caller, any_owner=True
        )
    except StaleTransitionError:
        return await _detail_page(request, error="Too late to cancel: it is no longer waiting.", status=409)
    return _back_to(request, "cancelled")


async def resolve(request: web.Request) -> web.StreamResponse:
    """``POST /console/messages/{id}/resolve``: an operator decides an ``unknown`` (sent or not sent)."""
    outcome = (await request.post()).get("outcome")
    if outcome not in ("sent", "not-sent"):
        return await _detail_page(request, error="Choose whether it was sent or not.", status=400)
    try:
        await request.app[OPERATOR].resolve_unknown(
            message_id(request), sent=outcome == "sent", caller=request[SESSION].caller
        )
    except StaleTransitionError:
        return await _detail_page(request, error="It is no longer unknown; nothing was changed.", status=409)
    return _back_to(request, f"marked-{outcome}")


def _test_form(request: web.Request, values: dict[str, str], *, error: str | None = None,
               status: int = 200) -> web.Response:  # fmt: skip
    context = {"values": values, "error": error, "nonce": secrets.token_urlsafe(16)}
    return render(request, "test_sms.html", context, status=status)


async def test_sms_form(request: web.Request) -> web.Response:
    """``GET /console/test-sms``: a form to send a test SMS to a staff member."""
    stamp = request.app[OPERATOR].now().astimezone(request.app[OPERATOR].zone)
    text = f"Test message from the SMS gateway console, {stamp:%H:%M}."
    return _test_form(request, {"staff": request.query.get("staff", ""), "message": text})


async def test_sms(request: web.Request) -> web.StreamResponse:
    """``POST /console/test-sms``: queue a test SMS to a staff member (staff only: never a client).

    The form's one-time nonce is the idempotency key, so a double click sends one SMS.
    """
    form = await request.post()
    values = {name: str(form.get(name, "")).strip() for name in ("staff", "message", "nonce")}
    try:
        staff_id = parse_id(values["staff"], "staff") if values["staff"] else ""
        if not staff_id:
            raise ValidationError("enter the staff member's id", field="staff")
        submit = SubmitRequest(
            message=values["message"], client_id=None, staff_id=staff_id, send_at=None, external_id=None
        )
        view, _ = await request.app[MESSAGES].submit(
            submit, caller=request[SESSION].caller, idempotency_key=values["nonce"] or None
        )
    except (ValidationError, RecipientError, RateLimitedError) as exc:
        return _test_form(request, values, error=exc.message, status=422)
    return see_other(f"{request.path.rsplit('/', 1)[0]}/messages/{view.id}?done=test-accepted")

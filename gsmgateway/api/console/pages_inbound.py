"""Received SMS: the list (newest first, filtered, paged) and one message with what its keyword did.

Both read through :class:`InboundService`, the same query ``GET /inbound`` uses: one way to list
received messages, and like it only for a key with ``inbound:read`` (or ``admin``). The sender's
number is shown whole only to a key with ``sms:read-numbers`` (``shown_sender``, the API's rule); a
sender that is a name is no number and shows as is.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from gsmgateway.api.console.context import INBOUND
from gsmgateway.api.console.form_values import day_window, query_id, search_page
from gsmgateway.api.console.guard import require_scope
from gsmgateway.api.console.rendering import render
from gsmgateway.api.handlers_sms import message_id
from gsmgateway.api.scopes import INBOUND_READ
from gsmgateway.core.errors import MessageNotFoundError, ValidationError
from gsmgateway.core.inbound import InboundPage, InboundQuery, MatchStatus

PAGE_SIZE: Final = 50
FORM_FIELDS: Final = ("client", "staff", "modem", "match", "from", "to")
#: The match filter's choices, in words.
MATCH_WORDS: Final = {
    MatchStatus.MATCHED.value: "matched to one client or staff member",
    MatchStatus.UNMATCHED.value: "from an unknown number",
    MatchStatus.AMBIGUOUS.value: "from a number several entries share",
}


def _inbound_query(request: web.Request) -> InboundQuery:
    """Read the filter form (all fields optional) into the service's query.

    :raises ValidationError: a malformed id, modem, match or date.
    """
    match = request.query.get("match", "").strip()
    if match and match not in MATCH_WORDS:
        raise ValidationError(f"unknown match {match!r}", field="match")
    modem = request.query.get("modem", "").strip()
    if len(modem) > 64 or not modem.isprintable():
        raise ValidationError("a modem id is up to 64 printable characters", field="modem")
    received_from, received_to = day_window(request)
    return InboundQuery(
        client_id=query_id(request, "client"),
        staff_id=query_id(request, "staff"),
        modem_id=modem or None,
        received_from=received_from,
        received_to=received_to,
        match_status=MatchStatus(match) if match else None,
        cursor=request.query.get("cursor") or None,
        limit=PAGE_SIZE,
    )


async def inbound(request: web.Request) -> web.Response:
    """``GET /console/inbound``: received messages, newest first, by sender, modem, match and days."""
    require_scope(request, INBOUND_READ, "read received messages")

    async def load() -> InboundPage:
        return await request.app[INBOUND].list(_inbound_query(request))

    return await search_page(request, "inbound.html", FORM_FIELDS, load, {"match_words": MATCH_WORDS})


async def inbound_detail(request: web.Request) -> web.Response:
    """``GET /console/inbound/{id}``: one received message, its missing parts and its directory change."""
    require_scope(request, INBOUND_READ, "read received messages")
    try:
        detail = await request.app[INBOUND].get(message_id(request))
    except MessageNotFoundError:
        raise web.HTTPNotFound(text=f"No received message {request.match_info['id']}.") from None
    return render(request, "inbound_message.html", {"detail": detail, "message": detail.message})

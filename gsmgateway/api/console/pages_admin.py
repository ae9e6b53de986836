"""API keys (``admin``) and the local directory (``directory:write``): look up, opt-outs, opt out or in.

A new key is shown once, on the answer to the form that created it (never in a URL, never again);
every answer of the console is ``no-store``, so the browser keeps no copy of that page either.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from gsmgateway.api.console.context import DIRECTORY, OPERATOR, SESSION
from gsmgateway.api.console.form_values import parse_id
from gsmgateway.api.console.guard import require_scope, see_other
from gsmgateway.api.console.rendering import render
from gsmgateway.api.scopes import ADMIN, DIRECTORY_WRITE
from gsmgateway.core.decimals import ascii_decimal
from gsmgateway.core.errors import RecipientError, ValidationError
from gsmgateway.core.records import DirectoryEntry, RecipientKind

#: Scopes offered on the create-key form, with what each allows.
SCOPE_WORDS: Final = {
    "console": "sign in to this console",
    "sms:send": "send SMS and cancel them",
    "sms:read": "read messages and their status",
    "sms:read-numbers": "see whole phone numbers",
    "directory:write": "manage clients and staff numbers",
    "inbound:read": "read received SMS",
    "platform": "Fineract's message-gateway endpoints",
    "admin": "everything, including keys",
}
#: How many opted-out entries the opt-out page lists (most recently changed first), and events a page.
OPTED_OUT_SHOWN: Final = 200
EVENTS_PER_PAGE: Final = 50
_KINDS: Final = {"client": RecipientKind.CLIENT, "staff": RecipientKind.STAFF}


async def _keys_page(
    request: web.Request, *, created: tuple[int, str, str] | None = None, error: str | None = None,
    status: int = 200,
) -> web.Response:  # fmt: skip
    context = {
        "keys": await request.app[OPERATOR].list_keys(),
        "scope_words": SCOPE_WORDS,
        "created": created,
        "error": error,
        "done": "The key was revoked." if request.query.get("done") == "revoked" else None,
    }
    return render(request, "keys.html", context, status=status)


async def keys(request: web.Request) -> web.Response:
    """``GET /console/keys``: every key with its scopes; create and revoke (``admin``)."""
    require_scope(request, ADMIN, "manage API keys")
    return await _keys_page(request)


async def create_key(request: web.Request) -> web.Response:
    """``POST /console/keys``: create a key and show it this once."""
    require_scope(request, ADMIN, "manage API keys")
    form = await request.post()
    name = str(form.get("name", ""))
    scopes = ",".join(str(s) for s in form.getall("scope", []))
    try:
        key_id, key = await request.app[OPERATOR].create_key(name, scopes)
    except ValidationError as exc:
        return await _keys_page(request, error=exc.message, status=400)
    return await _keys_page(request, created=(key_id, name.strip(), key))


async def revoke_key(request: web.Request) -> web.StreamResponse:
    """``POST /console/keys/{id}/revoke``: the API and the console refuse the key from now on."""
    require_scope(request, ADMIN, "manage API keys")
    raw = request.match_info["id"]
    try:
        key_id = ascii_decimal(raw)
        if key_id is None:
            raise ValidationError(f"no active API key with id {raw!r}", field="id")
        await request.app[OPERATOR].revoke_key(key_id)
    except ValidationError as exc:
        return await _keys_page(request, error=exc.message, status=404)
    return see_other(f"{request.path.rsplit('/', 2)[0]}?done=revoked")


def _kind(raw: str) -> RecipientKind:
    kind = _KINDS.get(raw)
    if kind is None:
        raise ValidationError("choose client or staff", field="kind")
    return kind


async def directory(request: web.Request) -> web.Response:
    """``GET /console/directory?kind=client&id=…``: look up one entry of the local directory."""
    require_scope(request, DIRECTORY_WRITE, "look up the directory")
    kind_raw, entry_raw = request.query.get("kind", "client"), request.query.get("id", "").strip()
    entry: DirectoryEntry | None = None
    error: str | None = None
    status = 200
    if entry_raw:
        try:
            entry = await request.app[DIRECTORY].get(_kind(kind_raw), parse_id(entry_raw, "id"))
        except ValidationError as exc:
            error, status = exc.message, 400
        except RecipientError as exc:
            error, status = exc.message, 404
    context = {
        "kind": kind_raw, "entry_id": entry_raw, "entry": entry, "error": error,
        "done": request.query.get("done"),
    }  # fmt: skip
    return render(request, "directory.html", context, status=status)


async def set_opt_out(request: web.Request) -> web.StreamResponse:
    """``POST /console/directory/{kind}/{id}/opt-out``: opt the entry out of SMS, or back in.

    Back to the entry's page, or to the opt-out list when the form came from there (``back``).
    """
    require_scope(request, DIRECTORY_WRITE, "change the directory")
    kind_raw = request.match_info["kind"]
    entry_id = parse_id(request.match_info["id"], "id")
    form = await request.post()
    opted_out = form.get("opted_out") == "true"
    await request.app[OPERATOR].set_opted_out(
        _kind(kind_raw), entry_id, opted_out=opted_out, caller=request[SESSION].caller
    )
    done = "opted-out" if opted_out else "opted-in"
    prefix = request.path.rsplit("/", 4)[0]
    if form.get("back") == "opt-outs":
        return see_other(f"{prefix}/opt-outs?done={done}")
    return see_other(f"{prefix}/directory?kind={kind_raw}&id={entry_id}&done={done}")


async def opt_outs(request: web.Request) -> web.Response:
    """``GET /console/opt-outs``: who is opted out now, and every opt-out and opt-in, newest first.

    Each event says who or what made it; one made by a received STOP or START links to that message.
    """
    require_scope(request, DIRECTORY_WRITE, "look up the directory")
    directory_service = request.app[DIRECTORY]
    raw_before = request.query.get("before", "").strip()
    before = ascii_decimal(raw_before) if raw_before else None
    if raw_before and before is None:  # a link of ours always carries an event id
        raise web.HTTPBadRequest(text=f"before must be an event id, not {raw_before[:40]!r}.")
    events = await directory_service.events(EVENTS_PER_PAGE + 1, before_id=before)
    context = {
        "entries": await directory_service.opted_out_entries(OPTED_OUT_SHOWN + 1),
        "shown": OPTED_OUT_SHOWN,
        "events": events[:EVENTS_PER_PAGE],
        "older": events[EVENTS_PER_PAGE - 1].id if len(events) > EVENTS_PER_PAGE else None,
        "done": request.query.get("done"),
    }
    return render(request, "opt_outs.html", context)

"""API keys (``admin``) and the local directory (``directory:write``): look up, opt out or back in.

A new key is shown once, on the answer to the form that created it (never in a URL, never again);
every answer of the console is ``no-store``, so the browser keeps no copy of that page either.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from gsmgateway.api.console.context import DIRECTORY, OPERATOR, SESSION
from gsmgateway.api.console.guard import see_other
from gsmgateway.api.console.rendering import render
from gsmgateway.api.schemas import Field, FieldKind
from gsmgateway.api.scopes import ADMIN, DIRECTORY_WRITE, has_scope
from gsmgateway.core.errors import RecipientError, ValidationError
from gsmgateway.core.records import DirectoryEntry, RecipientKind

#: Scopes offered on the create-key form, with what each allows.
SCOPE_WORDS: Final = {
    "console": "sign in to this console",
    "sms:send": "send SMS and cancel them",
    "sms:read": "read messages and their status",
    "sms:read-numbers": "see whole phone numbers",
    "directory:write": "manage clients and staff numbers",
    "platform": "Fineract's message-gateway endpoints",
    "admin": "everything, including keys",
}
_ID = Field("id", "id", FieldKind.IDENTIFIER, "A client or staff id.", example="12")
_KINDS: Final = {"client": RecipientKind.CLIENT, "staff": RecipientKind.STAFF}


def _require(request: web.Request, scope: str, what: str) -> None:
    if not has_scope(request[SESSION].caller, (scope,)):
        raise web.HTTPForbidden(text=f"Your key may not {what} (it needs the {scope} scope).")


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
    _require(request, ADMIN, "manage API keys")
    return await _keys_page(request)


async def create_key(request: web.Request) -> web.Response:
    """``POST /console/keys``: create a key and show it this once."""
    _require(request, ADMIN, "manage API keys")
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
    _require(request, ADMIN, "manage API keys")
    raw = request.match_info["id"]
    try:
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError(f"no active API key with id {raw!r}", field="id")
        await request.app[OPERATOR].revoke_key(int(raw))
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
    _require(request, DIRECTORY_WRITE, "look up the directory")
    kind_raw, entry_raw = request.query.get("kind", "client"), request.query.get("id", "").strip()
    entry: DirectoryEntry | None = None
    error: str | None = None
    status = 200
    if entry_raw:
        try:
            entry = await request.app[DIRECTORY].get(_kind(kind_raw), _ID.parse(entry_raw, "id"))
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
    """``POST /console/directory/{kind}/{id}/opt-out``: opt the entry out of SMS, or back in."""
    _require(request, DIRECTORY_WRITE, "change the directory")
    kind_raw = request.match_info["kind"]
    entry_id: str = _ID.parse(request.match_info["id"], "id")
    opted_out = (await request.post()).get("opted_out") == "true"
    await request.app[OPERATOR].set_opted_out(_kind(kind_raw), entry_id, opted_out=opted_out)
    done = "opted-out" if opted_out else "opted-in"
    prefix = request.path.rsplit("/", 3)[0]
    return see_other(f"{prefix}?kind={kind_raw}&id={entry_id}&done={done}")

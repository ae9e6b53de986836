"""The local directory endpoints: ``PUT/GET/DELETE /clients/{id}`` and ``/staff/{id}``.

The directory is where numbers enter the gateway (outside the Fineract compatibility app), so these
endpoints need the ``directory:write`` scope; the number is normalised by the directory service on
the way in and an invalid one is refused there.
"""

from __future__ import annotations

from aiohttp import web

from gsmgateway.api.body import read_json
from gsmgateway.api.context import CALLER, CONFIG, DIRECTORY
from gsmgateway.api.error_responses import error_body
from gsmgateway.api.render import directory_json
from gsmgateway.api.requests import PUT_DIRECTORY_ENTRY
from gsmgateway.api.schemas import Field, FieldKind
from gsmgateway.core.errors import RecipientError
from gsmgateway.core.records import RecipientKind

_PATH_ID = Field("id", "id", FieldKind.IDENTIFIER, "The client or staff id in the URL.", example="12")


def _kind(request: web.Request) -> RecipientKind:
    return RecipientKind.CLIENT if request.path.startswith("/clients/") else RecipientKind.STAFF


def _entry_id(request: web.Request) -> str:
    entry_id: str = _PATH_ID.parse(request.match_info["id"], "id")
    return entry_id


def _not_found(kind: RecipientKind, entry_id: str) -> web.Response:
    return web.json_response(
        error_body("not_found", f"no {kind.value} with id {entry_id!r} in the directory"), status=404
    )


async def put_entry(request: web.Request) -> web.Response:
    """``PUT /clients/{id}``, ``PUT /staff/{id}``: create or replace an entry; returns it normalised."""
    kind, entry_id = _kind(request), _entry_id(request)
    caller = request[CALLER]
    body = await read_json(request, max_bytes=request.app[CONFIG].api.max_body_bytes)
    fields = PUT_DIRECTORY_ENTRY.parse(body)
    entry = await request.app[DIRECTORY].put(
        kind,
        entry_id,
        mobile=fields.get("mobile"),
        opted_out=fields.get("opted_out", False),
        name=fields.get("name"),
        changed_by=f"API key {caller.name} (key {caller.key_id})",
    )
    return web.json_response(directory_json(entry))


async def get_entry(request: web.Request) -> web.Response:
    """``GET /clients/{id}``, ``GET /staff/{id}``: the entry with its number (404 when absent)."""
    kind, entry_id = _kind(request), _entry_id(request)
    try:
        entry = await request.app[DIRECTORY].get(kind, entry_id)
    except RecipientError as exc:
        if exc.reason != "unknown":
            raise
        return _not_found(kind, entry_id)
    return web.json_response(directory_json(entry))


async def delete_entry(request: web.Request) -> web.Response:
    """``DELETE /clients/{id}``, ``DELETE /staff/{id}``: forget the entry (404 when absent).

    Messages already accepted keep the number they were accepted with.
    """
    kind, entry_id = _kind(request), _entry_id(request)
    try:
        caller = request[CALLER]
        await request.app[DIRECTORY].delete(
            kind, entry_id, changed_by=f"API key {caller.name} (key {caller.key_id})"
        )
    except RecipientError as exc:
        if exc.reason != "unknown":
            raise
        return _not_found(kind, entry_id)
    return web.Response(status=204)

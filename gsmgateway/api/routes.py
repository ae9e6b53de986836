"""The route table: every endpoint once, with the scope it needs and what it accepts.

The app factory registers these routes, the auth middleware reads the scopes from here and the
OpenAPI document is rendered from the same entries — one list, three uses, no drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from gsmgateway.api import handlers_directory, handlers_inbound, handlers_ops, handlers_sms
from gsmgateway.api.error_responses import Handler
from gsmgateway.api.requests import LIST_SMS, PUT_DIRECTORY_ENTRY, SUBMIT_BATCH, SUBMIT_SMS
from gsmgateway.api.requests_inbound import LIST_INBOUND
from gsmgateway.api.schemas import ID_PATTERN, ObjectSchema
from gsmgateway.api.scopes import DIRECTORY_WRITE, INBOUND_READ, METRICS_READ, SMS_READ, SMS_SEND


@dataclass(frozen=True)
class Endpoint:
    """One route: method, path, handler, the scopes of which the caller needs one, and its contract.

    ``scopes`` empty means public (no key). ``responses`` maps a status to (description, schema name
    in ``components.schemas`` or None). ``loopback_without_key``: a peer on this machine, not behind a
    proxy (no forwarding header), needs no key (``/metrics`` for ``gsmgateway status``).
    """

    method: str
    path: str
    handler: Handler
    summary: str
    scopes: tuple[str, ...] = ()
    body: ObjectSchema | None = None
    query: ObjectSchema | None = None
    responses: Mapping[int, tuple[str, str | None]] = field(default_factory=dict)
    id_pattern: str | None = None  # what ``{id}`` must match (a regex without anchors), documented
    router_checks_id: bool = False  # True: the router refuses other ids (404/405), else the handler (400)
    loopback_without_key: bool = False

    @property
    def route_path(self) -> str:
        """The path as aiohttp registers it: ``{id}`` carries its pattern when the router checks it."""
        if self.router_checks_id and self.id_pattern:
            return self.path.replace("{id}", "{id:" + self.id_pattern + "}")
        return self.path


_ENTRY_RESPONSES: Final = {200: ("The entry.", "DirectoryEntry"), 404: ("No such entry.", None)}
MESSAGE_ID_PATTERN: Final = "[0-9]{1,19}"
"""A message id in a path; anything else is no route (so ``GET /sms/batch`` is a 405, not a lookup)."""
ENTRY_ID_PATTERN: Final = ID_PATTERN.removeprefix("^").removesuffix("$")

ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    Endpoint(
        "POST",
        "/sms",
        handlers_sms.submit_sms,
        "Queue one SMS to a client or staff member",
        (SMS_SEND,),
        body=SUBMIT_SMS,
        responses={
            202: ("Accepted and queued; Location names the message.", "Message"),
            200: (
                "A repeat of an earlier request with the same Idempotency-Key or externalId: the first "
                "message, unchanged (header Idempotent-Replayed: true). No second SMS is sent.",
                "Message",
            ),
            409: ("The idempotency key was used before with a different body.", None),
            422: ("The recipient is unknown, has no number or opted out.", None),
        },
    ),
    Endpoint(
        "POST",
        "/sms/batch",
        handlers_sms.submit_batch,
        "Queue up to 1000 SMS, all or none",
        (SMS_SEND,),
        body=SUBMIT_BATCH,
        responses={
            202: ("Every item accepted, in request order.", "MessageList"),
            400: ("Some items are malformed; error.items lists each with its index.", None),
            409: ("Some externalIds were used before with another request; error.items lists them.", None),
            422: ("Some recipients cannot receive SMS; error.items lists each with its index.", None),
        },
    ),
    Endpoint(
        "GET",
        "/sms",
        handlers_sms.list_sms,
        "List messages, newest first",
        (SMS_READ,),
        query=LIST_SMS,
        responses={200: ("One page; nextCursor is null on the last.", "MessagePage")},
    ),
    Endpoint(
        "GET",
        "/sms/{id}",
        handlers_sms.get_sms,
        "One message with its parts, attempts and event timeline",
        (SMS_READ,),
        responses={200: ("The message.", "MessageDetail"), 404: ("No such message.", None)},
        id_pattern=MESSAGE_ID_PATTERN,
        router_checks_id=True,
    ),
    Endpoint(
        "POST",
        "/sms/{id}/cancel",
        handlers_sms.cancel_sms,
        "Cancel a message that has not started sending",
        (SMS_SEND,),
        responses={
            200: ("Cancelled. Without sms:read the body holds only id and status.", "Message"),
            404: ("No such message, or not one this key created (admin keys may cancel any).", None),
            409: ("Already sending or done; not cancellable.", None),
        },
        id_pattern=MESSAGE_ID_PATTERN,
        router_checks_id=True,
    ),
    Endpoint(
        "GET",
        "/inbound",
        handlers_inbound.list_inbound,
        "List received SMS, newest first",
        (INBOUND_READ,),
        query=LIST_INBOUND,
        responses={200: ("One page; nextCursor is null on the last.", "InboundPage")},
    ),
    Endpoint(
        "GET",
        "/inbound/{id}",
        handlers_inbound.get_inbound,
        "One received SMS with its missing parts and what its keyword changed",
        (INBOUND_READ,),
        responses={200: ("The received message.", "InboundDetail"), 404: ("No such message.", None)},
        id_pattern=MESSAGE_ID_PATTERN,
        router_checks_id=True,
    ),
    Endpoint(
        "GET",
        "/modems",
        handlers_ops.modems,
        "State, signal, operator, last error and counters of every modem",
        (SMS_READ,),
        responses={200: ("Every configured modem.", "ModemList")},
    ),
    Endpoint(
        "GET", "/health", handlers_ops.health, "Liveness (no key needed)", responses={200: ("Alive.", None)}
    ),
    Endpoint(
        "GET",
        "/ready",
        handlers_ops.ready,
        "Readiness: the store answers and at least one modem is ready (no key needed)",
        responses={
            200: ("Ready.", "Readiness"),
            503: ("Not ready; the body says what is missing.", "Readiness"),
        },
    ),
    Endpoint(
        "GET",
        "/metrics",
        handlers_ops.metrics,
        "Prometheus metrics (no key from this machine; else the metrics:read scope)",
        (METRICS_READ,),
        responses={200: ("Prometheus text format 0.0.4.", None)},
        loopback_without_key=True,
    ),
    Endpoint(
        "GET", "/openapi.json", handlers_ops.openapi, "This document", responses={200: ("OpenAPI 3.1.", None)}
    ),
    *(
        endpoint
        for collection in ("clients", "staff")
        for endpoint in (
            Endpoint(
                "PUT",
                f"/{collection}/{{id}}",
                handlers_directory.put_entry,
                f"Create or replace a directory entry ({collection})",
                (DIRECTORY_WRITE,),
                body=PUT_DIRECTORY_ENTRY,
                responses={200: ("The stored entry, number normalised.", "DirectoryEntry")},
                id_pattern=ENTRY_ID_PATTERN,
            ),
            Endpoint(
                "GET",
                f"/{collection}/{{id}}",
                handlers_directory.get_entry,
                f"Read a directory entry ({collection})",
                (DIRECTORY_WRITE,),
                responses=_ENTRY_RESPONSES,
                id_pattern=ENTRY_ID_PATTERN,
            ),
            Endpoint(
                "DELETE",
                f"/{collection}/{{id}}",
                handlers_directory.delete_entry,
                f"Delete a directory entry ({collection})",
                (DIRECTORY_WRITE,),
                responses={204: ("Deleted.", None), 404: ("No such entry.", None)},
                id_pattern=ENTRY_ID_PATTERN,
            ),
        )
    ),
)

ENDPOINTS_BY_HANDLER: Final[dict[Handler, Endpoint]] = {e.handler: e for e in ENDPOINTS}
"""Handler → endpoint; the clients and staff routes share handlers and scopes, so one entry serves both."""

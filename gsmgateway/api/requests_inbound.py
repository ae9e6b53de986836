"""The query string of ``GET /inbound``, declared once (handlers parse with it, OpenAPI renders it)."""

from __future__ import annotations

from typing import Final

from gsmgateway.api.requests import DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT
from gsmgateway.api.schemas import Field, FieldKind, ObjectSchema
from gsmgateway.core.inbound import InboundState, MatchStatus

LIST_INBOUND: Final = ObjectSchema(
    name="ListInboundQuery",
    description="Filters and paging of GET /inbound; newest first.",
    fields=(
        Field("clientId", "client_id", FieldKind.IDENTIFIER, "Only messages from this client.", example="12"),
        Field("staffId", "staff_id", FieldKind.IDENTIFIER, "Only messages from this staff member.",
              example="7"),
        Field("modemId", "modem_id", FieldKind.STRING, "Only messages received by this modem.",
              example="modem-1", min_length=1, max_length=64),
        Field("receivedFrom", "received_from", FieldKind.DATETIME, "Only messages received at or after this.",
              example="2030-01-01T00:00:00Z"),
        Field("receivedTo", "received_to", FieldKind.DATETIME, "Only messages received before this.",
              example="2030-02-01T00:00:00Z"),
        Field("match", "match", FieldKind.STRING,
              "Only messages whose sender matched one client or staff member, none, or several.",
              example="matched", choices=tuple(m.value for m in MatchStatus)),
        Field("state", "state", FieldKind.STRING,
              "Only messages in this state. Without it: complete and incomplete ones (a message still "
              "waiting for parts within the concatenation timeout is partial).",
              example="complete", choices=tuple(s.value for s in InboundState)),
        Field("cursor", "cursor", FieldKind.STRING, "The nextCursor of the previous page; opaque.",
              example="eyJpZCI6IDQyfQ", max_length=512),
        Field("limit", "limit", FieldKind.INTEGER,
              f"Page size, 1 to {MAX_LIST_LIMIT} (default {DEFAULT_LIST_LIMIT}).", example=100, minimum=1,
              maximum=MAX_LIST_LIMIT),
    ),
)  # fmt: skip

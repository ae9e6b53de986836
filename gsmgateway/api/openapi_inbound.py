"""The response shapes of ``/inbound`` for ``GET /openapi.json``; they mirror ``messages/inbound_json.py``."""

from __future__ import annotations

from typing import Any, Final

from gsmgateway.core.inbound import (
    InboundState,
    Keyword,
    KeywordResult,
    MatchStatus,
    PayloadEncoding,
    SenderType,
)

JsonObject = dict[str, Any]
_TIME: Final = {"type": "string", "format": "date-time"}
_NULLABLE_TIME: Final = {"type": ["string", "null"], "format": "date-time"}


def _nullable(kind: str, **extra: Any) -> JsonObject:
    return {"type": [kind, "null"], **extra}


def _inbound_props() -> JsonObject:
    return {
        "id": {"type": "integer"},
        "modemId": {"type": "string"},
        "sender": {
            "type": "string",
            "description": "Masked except the last 3 digits unless the key has sms:read-numbers "
            "(a sender that is a name is shown as is).",
        },
        "senderType": {"type": "string", "enum": [t.value for t in SenderType]},
        "state": {
            "type": "string",
            "enum": [s.value for s in InboundState],
            "description": "incomplete: parts were still missing when the concatenation timeout passed.",
        },
        "encoding": {"type": "string", "enum": [e.value for e in PayloadEncoding]},
        "text": _nullable(
            "string",
            description="Null for 8-bit data and once retention removed it; a "
            "missing part of an incomplete message shows as …",
        ),
        "dataHex": _nullable("string", description="8-bit data as hex (text is null then)."),
        "partCount": {"type": "integer"},
        "partsReceived": {"type": "integer"},
        "sentAt": {**_TIME, "description": "The service centre's time stamp (TP-SCTS) of the first part."},
        "receivedAt": {**_TIME, "description": "When the modem handed the first part over."},
        "completedAt": _NULLABLE_TIME,
        "match": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": [m.value for m in MatchStatus]},
                "clientId": _nullable("string"),
                "staffId": _nullable("string"),
                "source": _nullable("string", enum=["local", "fineract", None]),
                "candidates": {
                    "type": "integer",
                    "description": "Entries with the sender's number (2+: ambiguous).",
                },
            },
        },
        "keyword": _nullable("string", enum=[*(k.value for k in Keyword), None]),
        "keywordResult": _nullable("string", enum=[*(r.value for r in KeywordResult), None]),
        "replyMessageId": _nullable("integer", description="The confirmation queued for a keyword, if any."),
    }


def inbound_schemas() -> dict[str, JsonObject]:
    """Return ``InboundMessage``, ``InboundDetail`` and ``InboundPage``."""
    props = _inbound_props()
    detail = {
        **props,
        "missingParts": {"type": "array", "items": {"type": "integer"}},
        "directoryChange": {
            "type": ["object", "null"],
            "properties": {
                "kind": {"type": "string", "enum": ["client", "staff"]},
                "id": {"type": "string"},
                "change": {"type": "string", "enum": ["opted_out", "opted_in"]},
                "at": _TIME,
            },
        },
    }
    return {
        "InboundMessage": {"type": "object", "properties": props},
        "InboundDetail": {"type": "object", "properties": detail},
        "InboundPage": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/InboundMessage"}},
                "nextCursor": _nullable("string"),
            },
        },
    }

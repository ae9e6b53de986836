"""Render ``GET /openapi.json`` from the route table and the request schemas.

Request bodies and query parameters come from the very objects the handlers validate with, so a
documented field is accepted and an undocumented one refused by construction (a test walks the
document to prove it). Response shapes are declared here, next to nothing else, and mirror
:mod:`gsmgateway.api.render`.
"""

from __future__ import annotations

from typing import Any, Final

from gsmgateway import __version__
from gsmgateway.api.error_responses import ERROR_TYPES
from gsmgateway.api.openapi_inbound import inbound_schemas
from gsmgateway.api.requests import REQUEST_SCHEMAS
from gsmgateway.api.routes import ENDPOINTS, Endpoint
from gsmgateway.core.models import ModemReason

JsonObject = dict[str, Any]


def _nullable(kind: str, **extra: Any) -> JsonObject:
    return {"type": [kind, "null"], **extra}


_TIME: Final = {"type": "string", "format": "date-time"}
_ID_DESCRIPTION: Final = (
    "A number when the id is a whole number without a leading zero (up to 2**53 - 1), else a string, "
    "whichever of the two the request used."
)
_MESSAGE_PROPS: Final[JsonObject] = {
    "id": {"type": "integer"},
    "status": {"type": "string", "enum": []},  # filled from MessageStatus below
    "clientId": {"type": ["integer", "string", "null"], "description": _ID_DESCRIPTION},
    "staffId": {"type": ["integer", "string", "null"], "description": _ID_DESCRIPTION},
    "number": _nullable(
        "string", description="Masked except the last 3 digits unless the key has sms:read-numbers."
    ),
    "message": _nullable("string", description="Null once the retention period removed the text."),
    "partCount": {"type": "integer"},
    "attemptCount": {"type": "integer"},
    "externalId": _nullable("string"),
    "sendAt": _nullable("string", format="date-time"),
    "createdAt": _TIME,
    "updatedAt": _TIME,
    "statusReason": _nullable("string"),
    "modemId": _nullable("string"),
}
_EVENT: Final[JsonObject] = {
    "type": "object",
    "properties": {
        "at": _TIME,
        "from": _nullable("string"),
        "to": {"type": "string"},
        "reason": _nullable("string"),
        "modemId": _nullable("string"),
        "errorCode": _nullable("integer"),
        "attempt": {"type": "integer"},
    },
}
_PART: Final[JsonObject] = {
    "type": "object",
    "properties": {
        "partNo": {"type": "integer"},
        "modemId": {"type": "string"},
        "mr": {**_nullable("integer"), "description": "TP-MR the modem returned in +CMGS (null: no answer)."},
        "writtenAt": {
            **_nullable("string", format="date-time"),
            "description": "When the part's PDU began to be written to the modem.",
        },
        "sentAt": {**_nullable("string", format="date-time"), "description": "When +CMGS answered."},
        "reportOutcome": _nullable("string", enum=["delivered", "pending", "failed", None]),
        "tpSt": _nullable("integer"),
        "reportAt": _nullable("string", format="date-time"),
    },
}


_MEMORY: Final[JsonObject] = {
    "type": "object",
    "description": "One message memory as last swept (SR: status reports; SM: SIM; ME: phone).",
    "properties": {
        "memory": {"type": "string"},
        "used": _nullable("integer"),
        "total": _nullable("integer"),
        "problem": {**_nullable("string"), "description": "Why it could not be read, while that lasts."},
    },
}


def _ref(name: str) -> JsonObject:
    return {"$ref": f"#/components/schemas/{name}"}


def response_schemas() -> dict[str, JsonObject]:
    """Return the response shapes, keyed by the names the route table uses."""
    from gsmgateway.core.models import MessageStatus

    message_props = dict(_MESSAGE_PROPS)
    message_props["status"] = {"type": "string", "enum": [s.value for s in MessageStatus]}
    detail_props = {**message_props, "parts": {"type": "array", "items": _PART}}
    detail_props["attempts"] = {
        "type": "array",
        "items": _EVENT,
        "description": "Every queued → sending move.",
    }
    detail_props["events"] = {
        "type": "array",
        "items": _EVENT,
        "description": "The audit trail, oldest first.",
    }
    return {
        "Message": {"type": "object", "properties": message_props},
        "MessageDetail": {"type": "object", "properties": detail_props},
        "MessageList": {
            "type": "object",
            "properties": {"items": {"type": "array", "items": _ref("Message")}},
        },
        "MessagePage": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": _ref("Message")},
                "nextCursor": _nullable("string"),
            },
        },
        "Readiness": {
            "type": "object",
            "required": ["status", "store", "readyModems"],
            "properties": {
                "status": {"type": "string", "enum": ["ready", "not_ready"]},
                "store": {"type": "string", "enum": ["ok", "unavailable", "not_writable"]},
                "storeProblem": {"type": "string", "description": "what is wrong with the store, in words"},
                "readyModems": {"type": "array", "items": {"type": "string"}},
            },
        },
        "DirectoryEntry": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["client", "staff"]},
                "id": {"type": ["integer", "string"], "description": _ID_DESCRIPTION},
                "mobile": _nullable("string"),
                "optedOut": {"type": "boolean"},
                "name": _nullable("string"),
                "updatedAt": _TIME,
            },
        },
        "ModemList": {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "string"},
                            "state": {"type": "string"},
                            "reason": {
                                **_nullable("string"),
                                "description": "Why the modem is in its state (null while ready): "
                                + ", ".join(r.value for r in ModemReason),
                            },
                            "since": {
                                **_nullable("string", format="date-time"),
                                "description": "When this state and reason began.",
                            },
                            "signal": {**_nullable("integer"), "description": "dBm; null unless connected."},
                            "operator": {**_nullable("string"), "description": "Null unless connected."},
                            "storage": {"type": "array", "items": _MEMORY},
                            "lastError": {
                                **_nullable("string"),
                                "description": "An error that is still current.",
                            },
                            "counters": {"type": "object", "additionalProperties": {"type": "integer"}},
                            "updatedAt": _TIME,
                        },
                    },
                }
            },
        },
        **inbound_schemas(),
        "Error": {
            "type": "object",
            "required": ["error"],
            "x-error-types": dict(ERROR_TYPES),
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["type", "message"],
                    "properties": {
                        "type": {
                            "type": "string",
                            "description": "Stable machine-readable reason; see x-error-types.",
                        },
                        "message": {"type": "string"},
                        "field": {"type": "string", "description": "The offending field, when there is one."},
                        "items": {
                            "type": "array",
                            "description": "Batch only: each refused item with its index.",
                        },
                    },
                }
            },
        },
    }


_COMMON_ERRORS: Final = {
    "400": "Malformed JSON, unknown field, wrong type or a value that breaks a rule.",
    "401": "Missing or invalid API key.",
    "403": "The key lacks the needed scope.",
    "413": "Request body too large.",
    "415": "The body is not application/json.",
    "429": "Rate limit exceeded (per key or per recipient); see Retry-After.",
}


def _operation(endpoint: Endpoint) -> JsonObject:
    responses: JsonObject = {}
    for status, (description, schema) in sorted(endpoint.responses.items()):
        response: JsonObject = {"description": description}
        schema_ref = _ref(schema) if schema is not None else _ref("Error") if status >= 400 else None
        if schema_ref is not None:
            response["content"] = {"application/json": {"schema": schema_ref}}
        responses[str(status)] = response
    wanted: list[str] = ["400", "413", "415"] if endpoint.body is not None else []
    wanted += ["400"] if endpoint.query is not None else []
    wanted += ["400"] if endpoint.id_pattern and not endpoint.router_checks_id else []
    wanted += ["401", "403", "429"] if endpoint.scopes else []
    for code in wanted:
        responses.setdefault(
            code,
            {
                "description": _COMMON_ERRORS[code],
                "content": {"application/json": {"schema": _ref("Error")}},
            },
        )
    operation: JsonObject = {"summary": endpoint.summary, "responses": responses}
    operation["security"] = [{"bearer": []}, {"apiKey": []}] if endpoint.scopes else []
    if endpoint.scopes:
        operation["x-scopes"] = list(endpoint.scopes)
    id_schema: JsonObject = {"type": "string"}
    if endpoint.id_pattern:
        id_schema["pattern"] = f"^{endpoint.id_pattern}$"
    parameters = [{"name": "id", "in": "path", "required": True, "schema": id_schema}]
    parameters = parameters if "{id}" in endpoint.path else []
    if endpoint.query is not None:
        parameters += endpoint.query.openapi_parameters()
    if endpoint.path == "/sms" and endpoint.method == "POST":
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(endpoint.body.name)}},
        }
    return operation


def build_document() -> JsonObject:
    """Return the whole OpenAPI 3.1 document of the public API."""
    paths: JsonObject = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    schemas: JsonObject = {schema.name: schema.openapi() for schema in REQUEST_SCHEMAS}
    schemas.update(response_schemas())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gsmgateway",
            "version": __version__,
            "description": "Send SMS to clients and staff (by id, never by number) through GSM modems.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            },
        },
    }

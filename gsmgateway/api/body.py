"""Reading a JSON request body safely: content type, size, encoding and syntax, each a clear error.

The parser is stricter than :func:`json.loads` on its own: ``NaN``/``Infinity`` and duplicate keys
are refused, because a body that two JSON parsers would read differently is not one we act on.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from aiohttp import web

from gsmgateway.core.errors import ValidationError

JSON_TYPES = ("application/json",)


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValidationError(f"field {key!r} appears twice", field=key, error_type="duplicate_field")
        result[key] = value
    return result


# One decoder for every request: json.loads with options builds a new decoder and scanner per call,
# which cost more than decoding a POST /sms body. The decoder keeps no state between calls.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)


def parse_json(raw: bytes) -> Any:
    """Decode a UTF-8 JSON document.

    :raises ValidationError: ``malformed_json`` for bad bytes or syntax, ``duplicate_field`` for a key
        given twice in one object.
    """
    try:
        return _DECODER.decode(raw.decode("utf-8"))
    except ValidationError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValidationError(
            f"the request body is not valid JSON: {exc}", error_type="malformed_json"
        ) from None


async def read_json(request: web.Request, *, max_bytes: int) -> Any:
    """Return the decoded JSON body of ``request``.

    :raises web.HTTPUnsupportedMediaType: the body is not declared ``application/json``.
    :raises web.HTTPRequestEntityTooLarge: the body is larger than ``max_bytes``.
    :raises ValidationError: the body is empty or not valid JSON.
    """
    if request.content_type not in JSON_TYPES:
        raise web.HTTPUnsupportedMediaType(reason="the request body must be application/json")
    length = request.content_length
    if length is not None and length > max_bytes:
        raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=length)
    raw = await request.read()  # aiohttp stops a chunked body at the app's client_max_size
    if len(raw) > max_bytes:
        raise web.HTTPRequestEntityTooLarge(max_size=max_bytes, actual_size=len(raw))
    if not raw.strip():
        raise ValidationError("the request body is empty", error_type="malformed_json")
    return parse_json(raw)

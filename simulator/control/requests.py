"""Reading control requests strictly and writing answers: one error shape, nothing half-applied.

Every route decodes strict JSON (:func:`~simulator.jsonread.strict_json`), checks each field's
type (a ``bool`` is never taken for a number) and turns a problem into a 400
``{"error": {"type", "message"}}`` before anything changes.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from aiohttp import web

from simulator.jsonread import strict_json

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequestError(ValueError):
    """A control request that cannot be carried out as sent; nothing was changed.

    ``problems`` lists each thing wrong when there can be several (a fault plan), so the 400 names
    them all at once.
    """

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


@web.middleware
async def bad_request_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn a :class:`BadRequestError` into a 400 with the error envelope the gateway also uses."""
    try:
        return await handler(request)
    except BadRequestError as exc:
        error: dict[str, Any] = {"type": "bad_request", "message": str(exc)}
        if exc.problems:
            error["problems"] = list(exc.problems)
        return web.json_response({"error": error}, status=400)


async def json_value(request: web.Request) -> Any:
    """Return the request body decoded as strict JSON (400 if it is not)."""
    raw = await request.read()
    try:
        return strict_json(raw)
    except ValueError as exc:  # UnicodeDecodeError included
        raise BadRequestError(f"request body is not JSON: {exc}") from exc


async def json_object(request: web.Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """Return the body as a JSON object; an empty body is ``{}`` when ``allow_empty``."""
    if allow_empty and not (await request.read()).strip():
        return {}
    body = await json_value(request)
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    return body


_MISSING: Final = object()


def field(body: Mapping[str, Any], name: str, types: type | tuple[type, ...], default: Any = _MISSING) -> Any:
    """Return ``body[name]`` checked against ``types`` (a bool is never taken for a number)."""
    if name not in body:
        if default is _MISSING:
            raise BadRequestError(f"missing field {name!r}")
        return default
    value = body[name]
    allowed = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and bool not in allowed:
        raise BadRequestError(f"field {name!r} has the wrong type")
    if not isinstance(value, allowed):
        raise BadRequestError(f"field {name!r} has the wrong type")
    return value


def query_number(
    request: web.Request, name: str, kind: type[int] | type[float], *, default: float, limit: float
) -> Any:
    """Return a numeric query parameter between 0 and ``limit``."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= limit:
        raise BadRequestError(f"query parameter {name!r} must be a number from 0 to {limit}")
    return value


def require_loopback(host: str) -> None:
    """Refuse a control address anyone but this machine could reach.

    :raises ValueError: ``host`` is not ``localhost`` or a loopback IP address.
    """
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the control surface has no authentication; bind it to loopback, not {host!r}")


def to_jsonable(value: Any) -> Any:
    """Turn a dataclass tree (submits, fault plans) into JSON values: bytes as hex, enums by value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes | bytearray):
        return value.hex()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)

"""The out-of-process control surface: a small loopback HTTP API on a running simulator.

A system test (or a person with ``curl``) drives a simulator it did not start in-process: inject an
incoming SMS, plan a recipient's delivery outcome, change the fault plan, pull the plug and push it
back, and read the submits and counters. It has no authentication, so it only ever listens on a
loopback address.

Routes (JSON in, JSON out; bad input is a 400 ``{"error": {"type", "message"}}`` and changes nothing):

==========  ================  ==========================================================================
``GET``     ``/``             status: profile, link, device path, plugged, counters
``GET``     ``/counters``     the counters
``GET``     ``/submits``      every accepted SMS-SUBMIT, decoded; ``?count=N&timeout=S`` waits for N
                              (504 if they do not come), so a system test never polls
``GET``     ``/messages``     whole messages (all parts in): ``[{"recipient", "text"}]``
``POST``    ``/sms``          ``{"sender", "text", "direct": false}``: inject an incoming SMS
``POST``    ``/plan``         ``{"recipient", "outcome", "delay": 0, "temporary_delay": 0}``
``GET``     ``/faults``       the fault plan in force, in the JSON shape ``POST /faults`` takes
``POST``    ``/faults``       replace the whole fault plan (JSON, :mod:`simulator.fault_json`); ``{}``
                              clears it; a 400 lists every problem in ``error.problems``
``POST``    ``/unplug``       pull the cable
``POST``    ``/replug``       ``{"reboot": false}``: push it back in
==========  ================  ==========================================================================
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from simulator.fault_json import FaultPlanError, fault_plan_from_json, fault_plan_to_json, strict_json
from simulator.network import Outcome

if TYPE_CHECKING:
    from simulator.server import SimulatorServer

#: Longest a ``GET /submits?count=N`` waits, so a forgotten request cannot hold a connection forever.
MAX_WAIT: Final = 60.0

#: Seconds a stopping control surface gives requests in flight (a waiting ``/submits``) to finish.
SHUTDOWN_GRACE: Final = 0.25

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequestError(ValueError):
    """A control request that cannot be carried out as sent; nothing was changed.

    ``problems`` lists each thing wrong when there can be several (a fault plan), so the 400 names
    them all at once.
    """

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class ControlServer:
    """Serves the control routes for one :class:`~simulator.server.SimulatorServer`.

    :raises ValueError: for a host that is not a loopback address.
    """

    def __init__(self, sim: SimulatorServer, *, host: str = "127.0.0.1", port: int = 0) -> None:
        require_loopback(host)
        self._sim = sim
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` (the port is known once started)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    async def start(self) -> None:
        """Listen; returns once requests are served.

        :raises OSError: the port cannot be bound.
        """
        runner = web.AppRunner(
            self._make_app(), handle_signals=False, access_log=None, shutdown_timeout=SHUTDOWN_GRACE
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and close every connection (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[_bad_request_middleware])
        app.router.add_get("/", self._status)
        app.router.add_get("/counters", self._counters)
        app.router.add_get("/submits", self._submits)
        app.router.add_get("/messages", self._messages)
        app.router.add_post("/sms", self._inject_sms)
        app.router.add_post("/plan", self._plan)
        app.router.add_get("/faults", self._faults)
        app.router.add_post("/faults", self._set_faults)
        app.router.add_post("/unplug", self._unplug)
        app.router.add_post("/replug", self._replug)
        return app

    async def _status(self, request: web.Request) -> web.Response:
        sim = self._sim
        return web.json_response(
            {
                "profile": sim.profile.name,
                "link": sim.link_kind.value,
                "device": sim.url,
                "pty": sim.pty_name,
                "plugged": sim.plugged,
                "connected": sim.connected,
                "counters": sim.counters,
            }
        )

    async def _counters(self, request: web.Request) -> web.Response:
        return web.json_response(self._sim.counters)

    async def _submits(self, request: web.Request) -> web.Response:
        count = _query_number(request, "count", int, default=0, limit=10_000)
        timeout = _query_number(request, "timeout", float, default=5.0, limit=MAX_WAIT)
        if count:
            try:
                await self._sim.wait_for_submits(count, timeout=timeout)
            except TimeoutError:
                message = f"{len(self._sim.submits)} of {count} submits after {timeout} s"
                return web.json_response({"error": {"type": "timeout", "message": message}}, status=504)
        return web.json_response({"submits": [to_jsonable(submit) for submit in self._sim.submits]})

    async def _messages(self, request: web.Request) -> web.Response:
        messages = self._sim.modem.complete_messages()
        return web.json_response({"messages": [{"recipient": r, "text": t} for r, t in messages]})

    async def _inject_sms(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        sender = _field(body, "sender", str)
        text = _field(body, "text", str)
        direct = _field(body, "direct", bool, default=False)
        try:
            self._sim.inject_sms(sender, text, direct=direct)
        except ValueError as exc:
            raise BadRequestError(str(exc)) from exc
        return web.json_response({"injected": True, "counters": self._sim.counters}, status=201)

    async def _plan(self, request: web.Request) -> web.Response:
        body = await _json_object(request)
        recipient = _field(body, "recipient", str)
        outcome = _outcome(_field(body, "outcome", str))
        delay = float(_field(body, "delay", (int, float), default=0.0))
        temporary_delay = float(_field(body, "temporary_delay", (int, float), default=0.0))
        if delay < 0 or temporary_delay < 0:
            raise BadRequestError("delays cannot be negative")
        self._sim.plan(recipient, outcome, delay=delay, temporary_delay=temporary_delay)
        return web.json_response({"recipient": recipient, "outcome": outcome.name})

    async def _faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": fault_plan_to_json(self._sim.faults)})

    async def _set_faults(self, request: web.Request) -> web.Response:
        body = await _json_value(request)  # not an object: one of the problems listed
        try:
            plan = fault_plan_from_json(body)
        except FaultPlanError as exc:
            raise BadRequestError(str(exc), exc.problems) from exc
        self._sim.set_faults(plan)
        return web.json_response({"faults": fault_plan_to_json(plan)})

    async def _unplug(self, request: web.Request) -> web.Response:
        await self._sim.unplug()
        return web.json_response({"plugged": self._sim.plugged})

    async def _replug(self, request: web.Request) -> web.Response:
        body = await _json_object(request, allow_empty=True)
        reboot = _field(body, "reboot", bool, default=False)
        await self._sim.replug(reboot=reboot)
        return web.json_response({"plugged": self._sim.plugged, "device": self._sim.url})


@web.middleware
async def _bad_request_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn a :class:`BadRequestError` into a 400 with the error envelope the gateway also uses."""
    try:
        return await handler(request)
    except BadRequestError as exc:
        error: dict[str, Any] = {"type": "bad_request", "message": str(exc)}
        if exc.problems:
            error["problems"] = list(exc.problems)
        return web.json_response({"error": error}, status=400)


async def _json_value(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return strict_json(raw)
    except ValueError as exc:  # UnicodeDecodeError included
        raise BadRequestError(f"request body is not JSON: {exc}") from exc


async def _json_object(request: web.Request, *, allow_empty: bool = False) -> dict[str, Any]:
    if allow_empty and not (await request.read()).strip():
        return {}
    body = await _json_value(request)
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    return body


_MISSING: Final = object()


def _field(
    body: Mapping[str, Any], name: str, types: type | tuple[type, ...], default: Any = _MISSING
) -> Any:
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


def _query_number(
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


def _outcome(name: str) -> Outcome:
    try:
        return Outcome[name.upper()]
    except KeyError:
        choices = ", ".join(outcome.name for outcome in Outcome)
        raise BadRequestError(f"unknown outcome {name!r}; choose one of: {choices}") from None


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
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)

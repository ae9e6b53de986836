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
``POST``    ``/sms``          inject an incoming SMS of any kind (:mod:`simulator.control.incoming_json`):
                              ``{"sender", "text", "direct": false}`` and optionally ``data_hex``,
                              ``encoding``, ``sent``, ``reference``, ``reference_bits``, ``parts``,
                              ``part_interval``, ``national``; a 400 lists every problem
``POST``    ``/plan``         ``{"recipient", "outcome", "delay": 0, "temporary_delay": 0}``
``GET``     ``/faults``       the fault plan in force, in the JSON shape ``POST /faults`` takes
``POST``    ``/faults``       replace the whole fault plan (JSON, :mod:`simulator.faults.plan_json`); ``{}``
                              clears it; a 400 lists every problem in ``error.problems``
``GET``     ``/storage``      every memory: ``{"SM": {"used", "total", "messages": [{"index", "stat",
                              "kind", "pdu"}]}, …}``
``POST``    ``/storage``      preload messages (:mod:`simulator.profiles.preload`, a JSON list); 400 if
                              they do not fit, and then nothing is stored
``POST``    ``/unplug``       pull the cable (the modem loses power: the SMSC keeps what comes for it)
``POST``    ``/replug``       ``{"reboot": false}``: push it back in
==========  ================  ==========================================================================
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from simulator.control.incoming_json import IncomingSmsError, incoming_sms_from_json
from simulator.control.requests import (
    BadRequestError,
    bad_request_middleware,
    field,
    json_object,
    json_value,
    query_number,
    require_loopback,
    to_jsonable,
)
from simulator.control.target import ControlledSimulator
from simulator.faults.plan_json import FaultPlanError, fault_plan_from_json, fault_plan_to_json
from simulator.network.smsc import Outcome
from simulator.profiles.preload import PreloadError, preload_from_json

#: Longest a ``GET /submits?count=N`` waits, so a forgotten request cannot hold a connection forever.
MAX_WAIT: Final = 60.0

#: Seconds a stopping control surface gives requests in flight (a waiting ``/submits``) to finish.
SHUTDOWN_GRACE: Final = 0.25


class ControlServer:
    """Serves the control routes for one :class:`~simulator.server.SimulatorServer`.

    :raises ValueError: for a host that is not a loopback address.
    """

    def __init__(self, sim: ControlledSimulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
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
        app = web.Application(middlewares=[bad_request_middleware])
        app.router.add_get("/", self._status)
        app.router.add_get("/counters", self._counters)
        app.router.add_get("/submits", self._submits)
        app.router.add_get("/messages", self._messages)
        app.router.add_post("/sms", self._inject_sms)
        app.router.add_post("/plan", self._plan)
        app.router.add_get("/faults", self._faults)
        app.router.add_post("/faults", self._set_faults)
        app.router.add_get("/storage", self._storage)
        app.router.add_post("/storage", self._preload)
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
        count = query_number(request, "count", int, default=0, limit=10_000)
        timeout = query_number(request, "timeout", float, default=5.0, limit=MAX_WAIT)
        if count:
            try:
                await self._sim.wait_for_submits(count, timeout=timeout)
            except TimeoutError:
                message = f"{len(self._sim.submits)} of {count} submits after {timeout} s"
                return web.json_response({"error": {"type": "timeout", "message": message}}, status=504)
        return web.json_response({"submits": [to_jsonable(submit) for submit in self._sim.submits]})

    async def _messages(self, request: web.Request) -> web.Response:
        messages = self._sim.complete_messages()
        return web.json_response({"messages": [{"recipient": r, "text": t} for r, t in messages]})

    async def _inject_sms(self, request: web.Request) -> web.Response:
        try:
            sms = incoming_sms_from_json(await json_value(request))
        except IncomingSmsError as exc:
            raise BadRequestError(str(exc), exc.problems) from exc
        self._sim.inject(sms)
        return web.json_response({"injected": True, "counters": self._sim.counters}, status=201)

    async def _storage(self, request: web.Request) -> web.Response:
        return web.json_response({"storage": self._sim.storage()})

    async def _preload(self, request: web.Request) -> web.Response:
        try:
            self._sim.preload(preload_from_json(await json_value(request)))
        except PreloadError as exc:
            raise BadRequestError(str(exc), exc.problems) from exc
        except ValueError as exc:  # does not fit, or a text longer than one SMS: nothing was stored
            raise BadRequestError(str(exc)) from exc
        return web.json_response({"storage": self._sim.storage()}, status=201)

    async def _plan(self, request: web.Request) -> web.Response:
        body = await json_object(request)
        recipient = field(body, "recipient", str)
        outcome = _outcome(field(body, "outcome", str))
        delay = float(field(body, "delay", (int, float), default=0.0))
        temporary_delay = float(field(body, "temporary_delay", (int, float), default=0.0))
        if delay < 0 or temporary_delay < 0:
            raise BadRequestError("delays cannot be negative")
        self._sim.plan(recipient, outcome, delay=delay, temporary_delay=temporary_delay)
        return web.json_response({"recipient": recipient, "outcome": outcome.name})

    async def _faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": fault_plan_to_json(self._sim.faults)})

    async def _set_faults(self, request: web.Request) -> web.Response:
        body = await json_value(request)  # not an object: one of the problems listed
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
        body = await json_object(request, allow_empty=True)
        reboot = field(body, "reboot", bool, default=False)
        await self._sim.replug(reboot=reboot)
        return web.json_response({"plugged": self._sim.plugged, "device": self._sim.url})


def _outcome(name: str) -> Outcome:
    try:
        return Outcome[name.upper()]
    except KeyError:
        choices = ", ".join(outcome.name for outcome in Outcome)
        raise BadRequestError(f"unknown outcome {name!r}; choose one of: {choices}") from None

"""HTTP clients for the two processes: the gateway's API and the simulator's control surface.

Waiting is always "poll an observed condition until a deadline": a short pause between polls of an
external process, never a sleep standing in for the condition itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp

POLL_INTERVAL = 0.05
STATUS_TIMEOUT = 30.0
T = TypeVar("T")

#: Statuses a message never leaves: waiting for another one after these is pointless.
FINAL = frozenset({"delivered", "undelivered", "failed", "cancelled", "expired"})


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    *,
    timeout: float = STATUS_TIMEOUT,  # noqa: ASYNC109
    what: str,
    interval: float = POLL_INTERVAL,
) -> T:
    """Call ``probe`` until ``accept`` holds for its result; fail after ``timeout`` with the last seen."""
    seen: list[T] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = await probe()
                if accept(result):
                    return result
                seen[:] = [result]
                await asyncio.sleep(interval)  # pacing the polls of another process
    except TimeoutError:
        last = seen[0] if seen else "nothing (no answer yet)"
        raise AssertionError(f"{what}: not within {timeout}s; last seen: {last!r}") from None


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, read completely."""

    status: int
    body: Any
    headers: dict[str, str]


class GatewayClient:
    """The platform's side: ``POST /sms``, ``GET /sms/{id}`` and friends, with one API key."""

    def __init__(self, session: aiohttp.ClientSession, url: str, key: str) -> None:
        self.session = session
        self.url = url
        self.key = key

    def auth(self, key: str | None = None) -> dict[str, str]:
        """Return the Authorization header for ``key`` (default: this client's key)."""
        return {"Authorization": f"Bearer {key or self.key}"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        anonymous: bool = False,
    ) -> Reply:
        """Send one request; ``anonymous`` leaves the key out, ``headers`` add to or replace it."""
        sent = {} if anonymous else self.auth(key)
        if data is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        async with self.session.request(
            method, self.url + path, json=json, data=data, headers=sent
        ) as response:
            raw = await response.read()
            body: Any = None
            if raw and response.content_type == "application/json":
                body = await response.json()
            return Reply(response.status, body, dict(response.headers))

    async def send(self, message: str, *, headers: dict[str, str] | None = None, **fields: Any) -> Reply:
        """``POST /sms`` with ``message`` and the given fields (``clientId=…``, ``sendAt=…``)."""
        return await self.request("POST", "/sms", json={"message": message, **fields}, headers=headers)

    async def accepted(self, message: str, **fields: Any) -> dict[str, Any]:
        """``POST /sms`` that must be accepted (202); return the message."""
        reply = await self.send(message, **fields)
        assert reply.status == 202, reply
        assert reply.headers["Location"] == f"/sms/{reply.body['id']}"
        return dict(reply.body)

    async def get(self, message_id: int) -> dict[str, Any]:
        """``GET /sms/{id}``, which must answer 200."""
        reply = await self.request("GET", f"/sms/{message_id}")
        assert reply.status == 200, reply
        return dict(reply.body)

    async def newest_ids(self, limit: int = 500) -> list[int]:
        """Return the ids on the first page of ``GET /sms`` (newest first): what "nothing new" compares."""
        reply = await self.request("GET", f"/sms?limit={limit}")
        assert reply.status == 200, reply
        return [item["id"] for item in reply.body["items"]]

    async def list_all(self, query: str = "") -> list[dict[str, Any]]:
        """Every message matching ``query``, following ``nextCursor`` to the last page."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            suffix = f"&cursor={cursor}" if cursor else ""
            reply = await self.request("GET", f"/sms?limit=500&{query}{suffix}")
            assert reply.status == 200, reply
            items.extend(reply.body["items"])
            cursor = reply.body["nextCursor"]
            if not cursor:
                return items

    async def wait_for(
        self,
        message_id: int,
        *wanted: str,
        timeout: float = STATUS_TIMEOUT,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Poll ``GET /sms/{id}`` until its status is one of ``wanted``; fail early on another final one."""

        def settled(detail: dict[str, Any]) -> bool:
            status = detail["status"]
            if status not in wanted and status in FINAL:
                raise AssertionError(f"message {message_id} ended {status}, wanted {wanted}: {detail}")
            return status in wanted

        return await eventually(
            lambda: self.get(message_id), settled, timeout=timeout, what=f"message {message_id} {wanted}"
        )

    async def modems(self) -> list[dict[str, Any]]:
        """``GET /modems`` items."""
        reply = await self.request("GET", "/modems")
        assert reply.status == 200, reply
        return list(reply.body["items"])

    async def wait_ready(self, timeout: float = STATUS_TIMEOUT) -> None:  # noqa: ASYNC109
        """Poll ``GET /ready`` until 200 (the store answers and a modem is ready)."""
        await eventually(
            lambda: self.request("GET", "/ready", anonymous=True),
            lambda reply: reply.status == 200,
            timeout=timeout,
            what="GET /ready",
        )


class SimulatorControl:
    """The simulator's loopback control surface."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session = session
        self.url = url

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, self.url + path, json=body) as response:
            payload = await response.json()
            assert response.status < 300, (path, response.status, payload)
            return payload

    async def status(self) -> dict[str, Any]:
        """``GET /``: profile, link, plugged, counters."""
        return dict(await self._call("GET", "/"))

    async def submits(self) -> list[dict[str, Any]]:
        """Every accepted SMS-SUBMIT (one per part), decoded by the simulator."""
        return list((await self._call("GET", "/submits"))["submits"])

    async def messages(self) -> list[tuple[str, str]]:
        """Whole messages the network took, as ``(recipient, text)``."""
        return [(m["recipient"], m["text"]) for m in (await self._call("GET", "/messages"))["messages"]]

    async def submits_to(self, number: str) -> list[dict[str, Any]]:
        """Every submit (part) the simulator accepted for ``number``."""
        return [s for s in await self.submits() if same_number(s["recipient"], number)]

    async def messages_to(self, number: str) -> list[str]:
        """Return the texts of the whole messages sent to ``number``."""
        return [text for recipient, text in await self.messages() if same_number(recipient, number)]

    async def plan(
        self, number: str, outcome: str, *, delay: float = 0.0, temporary_delay: float = 0.0
    ) -> None:
        """Decide what the network reports for ``number``'s next messages."""
        body = {"recipient": number, "outcome": outcome, "delay": delay, "temporary_delay": temporary_delay}
        await self._call("POST", "/plan", body)

    async def set_faults(self, plan: dict[str, Any]) -> None:
        """Replace the whole fault plan (its JSON form, docs/interfaces.md §2)."""
        await self._call("POST", "/faults", plan)

    async def storage(self) -> dict[str, Any]:
        """``GET /storage``: every memory's use and contents."""
        return dict(await self._call("GET", "/storage"))

    async def preload(self, items: list[dict[str, Any]]) -> None:
        """``POST /storage``: put old SMS or reports into the modem's memories."""
        await self._call("POST", "/storage", items)

    async def inject(self, sms: dict[str, Any]) -> None:
        """``POST /sms``: the network delivers an SMS to the modem (any kind, docs/interfaces.md §2)."""
        await self._call("POST", "/sms", sms)

    async def unplug(self) -> None:
        """Pull the cable: the pty goes away."""
        await self._call("POST", "/unplug")

    async def replug(self, *, reboot: bool = False) -> None:
        """Push it back in at the same path (``reboot``: power-on settings, as a real USB replug)."""
        await self._call("POST", "/replug", {"reboot": reboot})


def same_number(a: str, b: str) -> bool:
    """Compare two numbers by their digits (the simulator shows what the PDU encoded)."""
    return a.lstrip("+") == b.lstrip("+")


def texts(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Return the texts of ``(recipient, text)`` pairs."""
    return [text for _, text in pairs]

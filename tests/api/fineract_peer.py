"""Fineract as a peer, written from its source (apache/fineract develop, 4198b0bc, 2024-10-24).

The requests are the bytes Fineract's own libraries put on the wire, and the answers are read the
way ``GetDeliveryReportsFromSmsGatewayTasklet`` reads them. Nothing here imports the gateway: a
mistake in our handlers must not be copied into the expectations.

* ``SendMessageToSmsGatewayTasklet`` → ``SmsMessageApiQueueResourceData.toJsonString`` (Gson, HTML
  escaping on, nulls left out, fields in declaration order) → ``POST {apiEndPoint}`` = ``sms``.
* ``GetDeliveryReportsFromSmsGatewayTasklet`` → ``new Gson().toJson(List<Long>)`` → ``sms/report``.
* ``SmsConfigUtils`` builds both URIs with ``UriBuilder.fromPath("{apiEndPoint}").build(apiEndPoint)``;
  JAX-RS encodes a ``/`` in a template value, so the report's request line is ``POST /sms%2Freport``
  on Fineract >= 1.6 (Jersey 2/3) and ``/sms/report`` before.
* RestTemplate over ``HttpURLConnection``: headers ``Content-Type``, ``Fineract-Platform-TenantId``,
  ``Fineract-Tenant-App-Key`` (empty when the seeded NULL was never changed), the ``Accept`` of the
  response type, ``Content-Length``; the JDK adds ``User-Agent``, ``Host`` and ``Connection``.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

# Gson's HtmlSafe escaping (JsonWriter.HTML_SAFE_REPLACEMENT_CHARS) on top of the JSON escapes.
_GSON_ESCAPES = {
    '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "=": "\\u003d", "'": "\\u0027",
    "\u2028": "\\u2028", "\u2029": "\\u2029",
}  # fmt: skip
JDK_DEFAULT_ACCEPT = "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2"
REPORT_ACCEPT = "application/json, application/*+json"  # RestTemplate, Collection<…> via Jackson


def gson_string(text: str) -> str:
    """Return ``text`` as Gson writes a string (non-ASCII stays raw UTF-8)."""
    out = []
    for ch in text:
        if ch in _GSON_ESCAPES:
            out.append(_GSON_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def gson_rows(rows: list[dict[str, Any]]) -> bytes:
    """Serialise ``SmsMessageApiQueueResourceData`` items as Gson does (declaration order, no nulls)."""
    order = (
        "internalId",
        "tenantId",
        "createdOnDate",
        "sourceAddress",
        "mobileNumber",
        "message",
        "providerId",
    )
    items = []
    for row in rows:
        fields = []
        for name in order:
            value = row.get(name)
            if value is None:
                continue
            fields.append(f'"{name}":' + (gson_string(value) if isinstance(value, str) else str(value)))
        items.append("{" + ",".join(fields) + "}")
    return ("[" + ",".join(items) + "]").encode()


def gson_ids(ids: list[int]) -> bytes:
    """Serialise row ids as ``new Gson().toJson(List<Long>)`` does."""
    return ("[" + ",".join(str(i) for i in ids) + "]").encode()


def request_bytes(
    path: str, body: bytes, *, port: int, tenant: str, app_key: str, accept: str = JDK_DEFAULT_ACCEPT
) -> bytes:
    """Return the request exactly as RestTemplate on ``HttpURLConnection`` writes it."""
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Accept: {accept}\r\n"
        "Content-Type: application/json\r\n"
        f"Fineract-Platform-TenantId: {tenant}\r\n"
        f"Fineract-Tenant-App-Key: {app_key}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "User-Agent: Java/17.0.12\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Connection: keep-alive\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


@dataclass
class RawAnswer:
    """A response as read off the socket."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def exchange(port: int, raw: bytes) -> RawAnswer:
    """Send ``raw`` on a fresh connection and read one response (by Content-Length)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return RawAnswer(status, headers, body)
    finally:
        writer.close()
        await writer.wait_closed()


# Fineract's SmsMessageStatusType values; GetDeliveryReportsFromSmsGatewayTasklet's switch.
INVALID, PENDING, WAITING, SENT, DELIVERED, FAILED = 0, 100, 150, 200, 300, 400
_MAPPED = {0: INVALID, 150: WAITING, 200: SENT, 300: DELIVERED, 400: FAILED}


class AnswerDropped(AssertionError):  # noqa: N818 - it is what Fineract does with the answer
    """Fineract would throw inside the loop and drop the rest of this answer (logged, not retried)."""


def apply_report(asked: dict[int, int], answer: RawAnswer) -> dict[int, int]:
    """Return Fineract's row statuses after it reads ``answer`` to a poll for ``asked`` (id → status).

    RestTemplate wants a 2xx with a JSON content type, Jackson reads a JSON array into
    ``SmsMessageDeliveryReportData`` (``id`` Long — a numeric string coerces; ``hasError`` Boolean,
    ``deliveryStatus`` Integer). For each item with ``!hasError && deliveryStatus != 100`` it looks
    the row up by id and sets the mapped status (an unmapped code keeps the old one). A null
    ``hasError``/``deliveryStatus`` or an id that is not one of its rows throws: ``AnswerDropped``.
    """
    if not 200 <= answer.status < 300:
        raise AnswerDropped(f"HTTP {answer.status}: RestTemplate throws")
    if not answer.headers.get("content-type", "").startswith("application/json"):
        raise AnswerDropped(f"content type {answer.headers.get('content-type')!r}: no converter")
    items = answer.json()
    if not isinstance(items, list):
        raise AnswerDropped("not a JSON array")
    statuses = dict(asked)
    for item in items:
        has_error, delivery_status = item.get("hasError"), item.get("deliveryStatus")
        if not isinstance(has_error, bool) or not isinstance(delivery_status, int):
            raise AnswerDropped(f"null or mistyped hasError/deliveryStatus in {item}")
        raw_id = item.get("id")
        row_id = int(raw_id) if isinstance(raw_id, int | str) and str(raw_id).isdigit() else None
        if row_id is None or row_id not in asked:
            raise AnswerDropped(f"id {raw_id!r} is not one of the rows asked for")
        if not has_error and delivery_status != PENDING:
            statuses[row_id] = _MAPPED.get(delivery_status, statuses[row_id])
    return statuses

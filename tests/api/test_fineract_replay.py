"""Fineract's exact requests, replayed as raw bytes against the served compatibility app.

The bytes come from ``tests/api/fineract_peer.py`` (written from Fineract's source), the answers are
read with its :func:`apply_report`, and what the gateway stored is read back from the store. The
app runs as the daemon runs it (``api/server.serve`` on port 0, a real SQLite file, a real key).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gsmgateway.api import create_fineract_app
from gsmgateway.api.server import ApiServer, serve
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.config_sections import DirectoryConfig, LimitsConfig
from gsmgateway.core.credentials import generate_key, hash_key
from gsmgateway.core.records import RecipientKind
from gsmgateway.wiring import Services, open_services
from tests.api.fineract_peer import (
    DELIVERED,
    FAILED,
    REPORT_ACCEPT,
    WAITING,
    AnswerDropped,
    RawAnswer,
    apply_report,
    exchange,
    gson_ids,
    gson_rows,
    request_bytes,
)
from tests.reports import deliver_report

TENANT = "default"
REPORT_PATHS = ["/sms%2Freport", "/sms%2freport", "/sms/report"]  # Fineract >= 1.6 (either case), <= 1.5


@dataclass
class Peer:
    services: Services
    server: ApiServer
    key: str

    async def post(
        self, path: str, body: bytes, *, key: str | None = None, accept: str = REPORT_ACCEPT
    ) -> RawAnswer:
        raw = request_bytes(
            path,
            body,
            port=self.server.port,
            tenant=TENANT,
            app_key=self.key if key is None else key,
            accept=accept,
        )
        return await exchange(self.server.port, raw)

    async def send(self, rows: list[dict[str, Any]]) -> RawAnswer:
        from tests.api.fineract_peer import JDK_DEFAULT_ACCEPT

        return await self.post("/sms", gson_rows(rows), accept=JDK_DEFAULT_ACCEPT)

    async def poll(self, ids: list[int], path: str = "/sms%2Freport") -> dict[int, int]:
        """One report poll of rows that Fineract holds at 150; return their statuses afterwards."""
        return apply_report(dict.fromkeys(ids, WAITING), await self.post(path, gson_ids(ids)))


@pytest.fixture
async def peer(tmp_path: Path) -> AsyncIterator[Peer]:
    """Serve a Tanzanian installation (``default_country_code = "255"``)."""
    async with serving_peer(tmp_path, "255") as served:
        yield served


@pytest.fixture
async def cambodian_peer(tmp_path: Path) -> AsyncIterator[Peer]:
    """Serve a Cambodian installation (+855: trunk 0, 9-digit mobiles such as 095 123 4567)."""
    async with serving_peer(tmp_path, "855") as served:
        yield served


@asynccontextmanager
async def serving_peer(tmp_path: Path, country_code: str) -> AsyncIterator[Peer]:
    config = GatewayConfig(
        state_dir=str(tmp_path),
        directory=DirectoryConfig(default_country_code=country_code),
        limits=LimitsConfig(per_key_per_second=0, per_recipient_per_hour=30, per_recipient_burst=10),
    )
    services = await open_services(config)
    key = generate_key()
    await services.api_keys.create(
        name="fineract", key_hash=hash_key(key), scopes=frozenset({"platform"}), now=datetime.now(UTC)
    )
    app = create_fineract_app(
        services.messages,
        services.platform,
        authenticate=services.authenticator.authenticate,
        tenant=TENANT,
        limits=config.limits,
    )
    server = await serve(app, "127.0.0.1", 0)
    try:
        yield Peer(services, server, key)
    finally:
        await server.close()
        await services.close()


def job_row(internal_id: int, mobile: str, message: str = "Your repayment is due tomorrow") -> dict[str, Any]:
    """One row as the SMS_SMSG job sends it (tenantId set, createdOnDate and sourceAddress null)."""
    return {
        "internalId": internal_id,
        "tenantId": TENANT,
        "mobileNumber": mobile,
        "message": message,
        "providerId": 1,
    }


@pytest.mark.parametrize("path", REPORT_PATHS)
async def test_every_posted_row_gets_a_final_status_on_the_report_path_fineract_uses(
    peer: Peer, path: str
) -> None:
    await peer.services.directory.put(
        RecipientKind.CLIENT, "44", mobile="0713000058", opted_out=True, name=None
    )
    rows = [
        job_row(57, "0712345057"),  # sendable
        job_row(58, "+255 713 000 058"),  # opted out in the directory (under a client id)
        job_row(59, "712-ABC"),  # not a number
        job_row(60, "0712345060", "x" * 1000),  # 7 parts of 153 characters; the limit is 6
        job_row(61, "0712345061", ""),  # an empty text
    ]
    sent = await peer.send(rows)
    assert sent.status == 202  # exactly: any other 2xx is a ConnectionFailureException in Fineract
    statuses = await peer.poll([57, 58, 59, 60, 61, 999], path)
    assert statuses == {57: WAITING, 58: FAILED, 59: FAILED, 60: FAILED, 61: FAILED, 999: WAITING}
    answer = (await peer.post(path, gson_ids([58, 59, 60]))).json()
    reasons = {item["id"]: item["errorMessage"] for item in answer}
    assert "opted out" in reasons[58]
    assert "not a phone number" in reasons[59]
    assert "needs 7 SMS parts; at most 6" in reasons[60]


async def stored_number(peer: Peer, internal_id: int) -> str | None:
    found = await peer.services.messages.find_by_external_ids([f"fineract-{TENANT}-{internal_id}"])
    (view,) = found.values()
    return view.number


async def test_a_national_number_without_the_trunk_0_is_sent_to_the_whole_number(peer: Peer) -> None:
    """Fineract's client mobileNo often holds ``712345678``: the Tanzanian 0712 345 678 without its 0."""
    assert (await peer.send([job_row(110, "712345678"), job_row(111, "0712345679")])).status == 202
    assert await peer.poll([110, 111]) == {110: WAITING, 111: WAITING}  # taken, not refused
    assert await stored_number(peer, 110) == "+255712345678"
    assert await stored_number(peer, 111) == "+255712345679"


async def test_a_bare_number_that_reads_two_ways_is_refused_with_the_reason_in_the_poll(
    cambodian_peer: Peer,
) -> None:
    """``951234567`` is Cambodia's 095 123 4567 without its 0, and also +95 1234567 in Myanmar.

    A guess could text a stranger abroad: the row is refused (400 in the poll), never sent.
    """
    peer = cambodian_peer
    rows = [job_row(120, "951234567"), job_row(121, "0951234568")]  # the second one has its 0
    assert (await peer.send(rows)).status == 202
    assert await peer.poll([120, 121]) == {120: FAILED, 121: WAITING}
    (refused,) = (await peer.post("/sms%2Freport", gson_ids([120]))).json()
    assert "ambiguous" in refused["errorMessage"]
    assert await stored_number(peer, 121) == "+855951234568"
    claimed = await peer.services.dispatch.claim_next("modem-1")
    assert claimed is not None
    assert claimed.number == "+855951234568"  # the refused row is never sent
    assert await peer.services.dispatch.claim_next("modem-1") is None


async def test_the_report_follows_a_message_to_delivered_and_a_failure_says_the_tp_status(peer: Peer) -> None:
    await peer.send([job_row(70, "0712345070"), job_row(71, "0712345071")])
    dispatch = peer.services.dispatch
    for mr in (1, 2):
        claimed = await dispatch.claim_next("modem-1")
        assert claimed is not None
        await dispatch.record_part_sent(claimed, 1, modem_id="modem-1", mr=mr)
        await dispatch.mark_sent(claimed, modem_id="modem-1")
    assert await peer.poll([70, 71]) == {70: WAITING, 71: WAITING}
    collection, now = peer.services.collection, datetime.now(UTC)
    await deliver_report(collection, "modem-1", mr=1, number="+255712345070", scts=now, tp_st=0x00)
    await deliver_report(collection, "modem-1", mr=2, number="+255712345071", scts=now, tp_st=0x43)
    assert await peer.poll([70, 71]) == {70: DELIVERED, 71: FAILED}
    (failed,) = (await peer.post("/sms%2Freport", gson_ids([71]))).json()
    assert "TP-ST 0x43 (not obtainable)" in failed["errorMessage"]


async def test_gson_html_escapes_arrive_as_the_characters_fineract_meant(peer: Peer) -> None:
    text = 'Loan <A&B> = 5\'000 TZS, "due"\nAsante'
    body = gson_rows([job_row(80, "0712345080", text)])
    assert b"\\u003cA\\u0026B\\u003e \\u003d 5\\u00270" in body  # what Gson really writes
    assert (await peer.post("/sms", body)).status == 202
    found = await peer.services.messages.find_by_external_ids([f"fineract-{TENANT}-80"])
    (view,) = found.values()
    assert view.message == text


async def test_a_row_posted_again_is_never_stored_or_sent_twice(peer: Peer) -> None:
    rows = [job_row(90, "0712345090"), job_row(91, "0712345091"), job_row(90, "0712345090")]
    assert (await peer.send(rows)).status == 202
    assert (await peer.send(rows[:2])).status == 202
    page = await peer.services.messages.find_by_external_ids([f"fineract-{TENANT}-{i}" for i in (90, 91)])
    assert len(page) == 2
    claimed = [await peer.services.dispatch.claim_next("modem-1") for _ in range(3)]
    assert [c is not None for c in claimed] == [True, True, False]


async def test_rows_over_a_numbers_limit_are_deferred_never_refused(peer: Peer) -> None:
    rows = [job_row(100 + i, "0712345100", f"Campaign message {i}") for i in range(12)]
    assert (await peer.send(rows)).status == 202
    statuses = await peer.poll([100 + i for i in range(12)])
    assert set(statuses.values()) == {WAITING}  # none refused: every row is pending (100, ignored)
    due = [await peer.services.dispatch.claim_next("modem-1") for _ in range(12)]
    assert sum(c is not None for c in due) == 10  # the burst; rows 11 and 12 wait for their slot


@pytest.mark.parametrize("path", ["/sms%252Freport", "/%2Fsms/report", "/sms%2Freport%2F", "/SMS%2FREPORT"])
async def test_other_encoded_paths_are_a_clean_404_in_the_envelope(peer: Peer, path: str) -> None:
    answer = await peer.post(path, gson_ids([1]))
    assert answer.status == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["type"] == "not_found"


async def test_the_seeded_empty_app_key_is_refused_in_the_envelope(
    peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answer = await peer.post("/sms%2Freport", gson_ids([1]), key="")
    assert answer.status == 401
    assert answer.json()["error"]["type"] == "unauthorized"
    with pytest.raises(AnswerDropped):
        apply_report({1: WAITING}, answer)  # Fineract logs it and keeps polling: nothing is lost
    assert peer.key not in caplog.text

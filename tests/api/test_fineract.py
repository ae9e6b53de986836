"""The Fineract compatibility app: its own credential, Fineract's shapes, and the status mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gsmgateway.api import create_fineract_app
from gsmgateway.api.fineract_gateway import delivery_status, external_id_for
from gsmgateway.core.config_sections import DirectoryConfig, LimitsConfig
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import MessageView, RecipientKind
from tests.api.conftest import Stack
from tests.reports import deliver_report


@pytest.fixture
async def fineract(stack: Stack, aiohttp_client: Any) -> tuple[Any, dict[str, str]]:
    client = await aiohttp_client(
        create_fineract_app(
            stack.service,
            stack.services.platform,
            authenticate=stack.services.authenticator.authenticate,
            tenant="default",
        )
    )
    key = (await stack.key("platform", "fineract"))["Authorization"].removeprefix("Bearer ")
    return client, {"Fineract-Platform-TenantId": "default", "Fineract-Tenant-App-Key": key}


async def test_smsbridges_lists_one_provider(fineract: tuple[Any, dict[str, str]]) -> None:
    client, headers = fineract
    response = await client.get("/smsbridges", headers=headers)
    assert response.status == 200
    (bridge,) = await response.json()
    assert {"id", "tenantId", "phoneNo", "providerName", "providerDescription"} <= set(bridge)


async def test_wrong_tenant_or_key_is_refused(stack: Stack, fineract: tuple[Any, dict[str, str]]) -> None:
    client, headers = fineract
    for bad in (
        {**headers, "Fineract-Platform-TenantId": "other"},
        {**headers, "Fineract-Tenant-App-Key": "gsk_nope"},
        {"Fineract-Platform-TenantId": "default"},
    ):
        response = await client.get("/smsbridges", headers=bad)
        assert response.status == 401
    sender = (await stack.key("sms:send"))["Authorization"].removeprefix("Bearer ")
    forbidden = await client.get("/smsbridges", headers={**headers, "Fineract-Tenant-App-Key": sender})
    assert forbidden.status == 403


@pytest.mark.parametrize("body", [{"internalId": 1}, "text", [1] * 1001])
async def test_malformed_send_is_400_and_stores_nothing(
    stack: Stack, fineract: tuple[Any, dict[str, str]], body: Any
) -> None:
    client, headers = fineract
    before = stack.counts()
    response = await client.post("/sms", json=body, headers=headers)
    assert response.status == 400
    assert "error" in await response.json()
    assert stack.counts() == before


def job_batch(*ids: int) -> list[dict[str, Any]]:
    """Build what Fineract's send job posts (tenantId included, as on the job path)."""
    return [
        {"internalId": i, "tenantId": "default", "mobileNumber": f"07123450{i:02d}", "message": f"Due {i}",
         "providerId": 1}
        for i in ids
    ]  # fmt: skip


@pytest.fixture
async def national(make_stack: Any, aiohttp_client: Any) -> tuple[Stack, Any, dict[str, str]]:
    """Build a stack whose directory turns national numbers (07…) into +255…, as Fineract sends them."""
    stack: Stack = await make_stack(directory=DirectoryConfig(default_country_code="255"))
    client = await aiohttp_client(
        create_fineract_app(
            stack.service,
            stack.services.platform,
            authenticate=stack.services.authenticator.authenticate,
            tenant="default",
        )
    )
    key = (await stack.key("platform", "fineract"))["Authorization"].removeprefix("Bearer ")
    return stack, client, {"Fineract-Platform-TenantId": "default", "Fineract-Tenant-App-Key": key}


async def test_send_is_202_idempotent_per_internal_id_and_reported(
    national: tuple[Stack, Any, dict[str, str]],
) -> None:
    stack, client, headers = national
    first = await client.post("/sms", json=job_batch(57, 58), headers=headers)
    assert first.status == 202
    assert await first.json() == {"accepted": 2, "deferred": 0, "refused": []}
    again = await client.post("/sms", json=job_batch(57, 58), headers=headers)  # the job re-reads rows
    assert again.status == 202
    assert stack.counts()["messages"] == 2
    report = await client.post("/sms/report", json=[57, 58, 99], headers=headers)
    assert report.status == 200
    rows = {row["id"]: row for row in await report.json()}
    assert set(rows) == {57, 58}  # unknown ids are left out; ids keep the JSON type they came in
    assert {row["deliveryStatus"] for row in rows.values()} == {100}
    assert all(row["hasError"] is False for row in rows.values())
    detail = await (
        await stack.client.get(f"/sms/{rows[57]['externalId']}", headers=await stack.key("admin"))
    ).json()
    assert detail["number"] == "+255712345057"
    assert detail["clientId"] is None
    assert detail["staffId"] is None


async def test_report_follows_the_message_to_delivered(national: tuple[Stack, Any, dict[str, str]]) -> None:
    stack, client, headers = national
    await client.post("/sms", json=job_batch(60), headers=headers)
    claimed = await stack.dispatch.claim_next("modem-1")
    assert claimed is not None
    await stack.dispatch.record_part_sent(claimed, 1, modem_id="modem-1", mr=9)
    await stack.dispatch.mark_sent(claimed, modem_id="modem-1")
    (row,) = await (await client.post("/sms/report", json=["60"], headers=headers)).json()
    assert row["deliveryStatus"] == 150  # sent, waiting for the report: Fineract keeps polling
    await deliver_report(
        stack.services.collection, "modem-1", mr=9, number=claimed.number, scts=datetime.now(UTC)
    )
    (row,) = await (await client.post("/sms/report", json=[60], headers=headers)).json()
    assert (row["id"], row["deliveryStatus"], row["externalId"]) == (60, 300, str(claimed.id))


async def test_bad_rows_are_stored_failed_and_reported_400_with_their_reason(
    national: tuple[Stack, Any, dict[str, str]],
) -> None:
    stack, client, headers = national
    items = [
        *job_batch(1),
        {"internalId": 2, "mobileNumber": "not a number", "message": "x", "providerId": 1},
        {"internalId": 3, "message": "no number", "providerId": 1},
        {"mobileNumber": "0712345004", "message": "no internalId (triggered path)", "providerId": 1},
        "garbage",
    ]
    response = await client.post("/sms", json=items, headers=headers)
    assert response.status == 202
    body = await response.json()
    assert body["accepted"] == 2
    assert [(r["index"], r["internalId"]) for r in body["refused"]] == [(1, 2), (2, 3), (4, None)]
    assert stack.counts()["messages"] == 4  # every row Fineract posted; "garbage" is no row
    rows = {
        row["id"]: row
        for row in await (await client.post("/sms/report", json=[1, 2, 3], headers=headers)).json()
    }
    assert sorted(rows) == [1, 2, 3]
    assert (rows[1]["deliveryStatus"], rows[1]["errorMessage"]) == (100, None)
    assert rows[2]["deliveryStatus"] == rows[3]["deliveryStatus"] == 400
    assert "not a phone number" in rows[2]["errorMessage"]
    assert "mobileNumber is missing" in rows[3]["errorMessage"]


NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATE_REPORTS_FOR = timedelta(hours=72)  # dispatch.report_match_hours


def view(status: MessageStatus, reason: str | None = None, *, age: timedelta = timedelta(0)) -> MessageView:
    return MessageView(
        id=5, status=status, recipient_kind=RecipientKind.CLIENT, recipient_id="1", number="+1",
        message="x", parts_total=1, attempts=1, external_id=None, send_at=None, created_at=NOW - age,
        updated_at=NOW - age, status_reason=reason, modem_id=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "reason", "code"),
    [
        (MessageStatus.QUEUED, None, 100),
        (MessageStatus.SENDING, None, 100),
        (MessageStatus.SENT, None, 150),
        (MessageStatus.DELIVERED, None, 300),
        (MessageStatus.UNDELIVERED, None, 400),
        (MessageStatus.FAILED, None, 400),
        (MessageStatus.CANCELLED, None, 400),
        (MessageStatus.EXPIRED, "validity", 400),
        (MessageStatus.EXPIRED, "no-report", 200),
        (MessageStatus.UNKNOWN, None, 150),  # a late report may still resolve it: keep asking
    ],
)
def test_every_status_maps_to_a_fineract_delivery_status(
    status: MessageStatus, reason: str | None, code: int
) -> None:
    assert delivery_status(view(status, reason), now=NOW, late_reports_for=LATE_REPORTS_FOR) == code


def test_an_unknown_no_late_report_can_resolve_any_more_is_reported_sent() -> None:
    """Past the report window Fineract is told 200 (it may have gone out) and stops polling the row."""
    old = view(MessageStatus.UNKNOWN, age=LATE_REPORTS_FOR + timedelta(seconds=1))
    assert delivery_status(old, now=NOW, late_reports_for=LATE_REPORTS_FOR) == 200
    recent = view(MessageStatus.UNKNOWN, age=LATE_REPORTS_FOR - timedelta(seconds=1))
    assert delivery_status(recent, now=NOW, late_reports_for=LATE_REPORTS_FOR) == 150


def test_external_ids_are_scoped_by_tenant_and_absent_ids_give_none() -> None:
    assert external_id_for("default", 57) == "fineract-default-57"
    assert external_id_for("default", "57") == "fineract-default-57"
    assert external_id_for("other", 57) != external_id_for("default", 57)
    assert external_id_for("default", None) is None
    assert external_id_for("default", True) is None


async def test_the_fineract_listener_limits_requests_per_key_on_its_own(
    stack: Stack, aiohttp_client: Any
) -> None:
    limits = LimitsConfig(per_key_per_second=1, per_key_burst=2)
    app = create_fineract_app(
        stack.service,
        stack.services.platform,
        authenticate=stack.services.authenticator.authenticate,
        tenant="default",
        limits=limits,
        clock=lambda: 0.0,
    )
    client = await aiohttp_client(app)
    key = (await stack.key("platform", "fineract"))["Authorization"].removeprefix("Bearer ")
    headers = {"Fineract-Platform-TenantId": "default", "Fineract-Tenant-App-Key": key}
    statuses = [(await client.get("/smsbridges", headers=headers)).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = await client.post("/sms%2Freport", json=[1], headers=headers)
    assert limited.status == 429
    assert (await limited.json())["error"]["type"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1

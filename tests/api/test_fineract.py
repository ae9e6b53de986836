"""The Fineract compatibility app: its own credential, Fineract's shapes, and the status mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gsmgateway.api import create_fineract_app
from gsmgateway.api.fineract import delivery_status, external_id_for
from gsmgateway.models import MessageStatus
from gsmgateway.views import MessageView, RecipientKind
from tests.api.conftest import Stack


@pytest.fixture
async def fineract(stack: Stack, aiohttp_client: Any) -> tuple[Any, dict[str, str]]:
    client = await aiohttp_client(create_fineract_app(stack.service, tenant="default"))  # type: ignore[arg-type]
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


@pytest.mark.parametrize(
    "body",
    [
        {"internalId": 1},
        [1, 2],
        [{"internalId": 1, "message": "x"}],
        [{"mobileNumber": "0712", "message": " "}],
    ],
)
async def test_malformed_send_is_400_and_stores_nothing(
    stack: Stack, fineract: tuple[Any, dict[str, str]], body: Any
) -> None:
    client, headers = fineract
    before = stack.counts()
    response = await client.post("/sms", json=body, headers=headers)
    assert response.status == 400
    assert "error" in await response.json()
    assert stack.counts() == before


def view(status: MessageStatus, reason: str | None = None) -> MessageView:
    now = datetime.now(UTC)
    return MessageView(
        id=5, status=status, recipient_kind=RecipientKind.CLIENT, recipient_id="1", number="+1",
        message="x", parts_total=1, attempts=1, external_id=None, send_at=None, created_at=now,
        updated_at=now, status_reason=reason, modem_id=None,
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
        (MessageStatus.UNKNOWN, None, 200),
    ],
)
def test_every_status_maps_to_a_fineract_delivery_status(
    status: MessageStatus, reason: str | None, code: int
) -> None:
    assert delivery_status(view(status, reason)) == code


def test_external_ids_are_scoped_by_tenant_and_absent_ids_give_none() -> None:
    assert external_id_for("default", 57) == "fineract-default-57"
    assert external_id_for("default", "57") == "fineract-default-57"
    assert external_id_for("other", 57) != external_id_for("default", 57)
    assert external_id_for("default", None) is None
    assert external_id_for("default", True) is None

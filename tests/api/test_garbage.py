"""Random damage to a valid request never crashes the API: it is either accepted or a clean 4xx."""

from __future__ import annotations

import json
import random

from tests.api.conftest import Stack

JSON = {"Content-Type": "application/json"}
VALID = json.dumps({"message": "Habari, your loan is due", "clientId": "12", "externalId": "e-1"}).encode()


def damaged(rng: random.Random) -> bytes:
    data = bytearray(VALID)
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(data))
        action = rng.choice(("flip", "insert", "delete"))
        if action == "flip":
            data[position] = rng.randrange(256)
        elif action == "insert":
            data.insert(position, rng.randrange(256))
        elif len(data) > 1:
            del data[position]
    return bytes(data)


async def test_damaged_bodies_get_a_4xx_envelope_or_are_accepted(stack: Stack) -> None:
    auth = {**(await stack.key("sms:send")), "Content-Type": "application/json"}
    rng = random.Random(20261127)
    outcomes: dict[int, int] = {}
    for _ in range(150):
        response = await stack.client.post("/sms", data=damaged(rng), headers=auth)
        outcomes[response.status] = outcomes.get(response.status, 0) + 1
        if response.status >= 300:
            assert 400 <= response.status < 500, await response.text()
            body = await response.json()
            assert set(body["error"]) >= {"type", "message"}
    assert set(outcomes) - {200, 202, 400, 409, 422} == set()
    assert outcomes.get(400, 0) > 50  # most damage is caught by the parser or the schema


async def test_garbage_headers_and_paths_never_500(stack: Stack) -> None:
    auth = await stack.key("sms:send,sms:read")
    for header in ("Bearer \u00e9", "Bearer " + "k" * 5000, "bearer", "Token abc"):
        response = await stack.client.get(
            "/sms", headers={"Authorization": header.encode("utf-8").decode("latin-1")}
        )
        assert response.status == 401
    for key in (" " * 10, "é" * 3, "x" * 201):
        response = await stack.client.post(
            "/sms", data=VALID, headers={**auth, **JSON, "Idempotency-Key": key.encode().decode("latin-1")}
        )
        assert response.status == 400
    for path in ("/sms/" + "9" * 5000, "/sms/%00", "/sms/1%2F2", "/sms/-1", "/sms/1.0", "/sms/\uff11\uff12"):
        response = await stack.client.get(path, headers=auth)
        assert response.status == 404, path

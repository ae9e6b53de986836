"""The demo's set-up, and its printed curl examples run exactly as printed against the gateway."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import replace
from pathlib import Path

import aiohttp

from gsmgateway.core.config import load
from gsmgateway.core.models import MessageStatus
from gsmgateway.core.records import RecipientKind
from gsmgateway.demo import KEY_VARIABLE, banner, demo_config_text, prepare
from simulator import SimulatorServer
from tests.app.support import build_gateway, running, until_status


def _curl_commands(text: str, key: str) -> list[list[str]]:
    """Return the banner's curl lines (continuations joined), split as a shell would, key expanded."""
    joined = text.replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")]
    return [shlex.split(line.replace(f"${KEY_VARIABLE}", key)) for line in lines]


def _parse(argv: list[str]) -> tuple[str, str, dict[str, str], str | None]:
    method, url, headers, data = "GET", "", {}, None
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(": ", 1)
            headers[name] = value
        elif arg == "-d":
            data = next(args)
        elif arg != "-s":
            url = arg
    return method, url, headers, data


async def test_demo_examples_work_as_printed(tmp_path: Path) -> None:
    config_path = tmp_path / "gsmgateway.toml"
    config_path.write_text(demo_config_text(tmp_path, tmp_path / "modem0", host="127.0.0.1", port=0))
    config = load(config_path, env={})
    first_key = await prepare(config)
    key = await prepare(config)  # a re-run keeps the store and adds a key
    assert key != first_key
    async with SimulatorServer(link="memory") as sim:
        modem = replace(config.modems[0], id="m1")
        gateway = build_gateway(replace(config, modems=(modem,)), sim)
        async with running(gateway), aiohttp.ClientSession() as http:
            entry = await gateway.services.directory.get(RecipientKind.STAFF, "2")
            assert entry.mobile == "+255700000002"
            text = banner(gateway.url, key, tmp_path / "modem0")
            assert f"export {KEY_VARIABLE}={key}" in text
            commands = _curl_commands(text, key)
            assert [(_parse(c)[0], re.sub(r"^http://[^/]+", "", _parse(c)[1])) for c in commands] == [
                ("POST", "/sms"), ("GET", "/sms/1"), ("GET", "/sms"), ("GET", "/modems")
            ]  # fmt: skip
            answers = []
            for argv in commands:
                method, url, headers, data = _parse(argv)
                body = json.loads(data) if data is not None else None
                response = await http.request(method, url, json=body, headers=headers)
                answers.append(response.status)
                if method == "POST":
                    await until_status(gateway, (await response.json())["id"], MessageStatus.DELIVERED)
            assert answers == [202, 200, 200, 200]
        assert sim.submits[0].recipient == "+255700001001"
        assert "repayment" in sim.submits[0].text

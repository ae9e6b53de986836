"""The built Debian package serves end to end: its own daemon, CLI and simulator, nothing from the tree.

The package is unpacked (``dpkg-deb -x``, as ``dpkg`` would put it in place, minus the scripts), and
the whole installation of :func:`~tests.system.stack.build_stack` — simulator on a pty, config,
``directory import``, ``apikey create``, ``gsmgateway run`` — runs on the unpacked venv's
interpreter. One SMS then goes all the way to the simulated network and back as a delivery report.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.packaging.debfile import VENV, package_path, unpack
from tests.system.clients import GatewayClient, SimulatorControl
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.processes import Runtime
from tests.system.stack import StackOptions, number_of

pytestmark = SYSTEM


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    """Unpack the package; run its programs by its own python (their ``#!`` names /opt: not there yet)."""
    venv = unpack(package_path(), tmp_path_factory.mktemp("installed")) / VENV
    python = str(venv / "bin/python")
    return Runtime(
        gateway=(python, str(venv / "bin/gsmgateway")), simulator=(python, str(venv / "bin/gsmgateway-sim"))
    )


async def test_the_packaged_gateway_delivers_an_sms_to_a_simulated_modem(
    make_stack: StackFactory, packaged: Runtime, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions(runtime=packaged, report_delay=0.2))
    assert stack.daemon is not None
    gateway = GatewayClient(http, stack.url, stack.key)
    sim = SimulatorControl(http, stack.sims[0].control)

    accepted = await gateway.accepted("Your repayment is due on Friday.", clientId="150")
    delivered = await gateway.wait_for(accepted["id"], "delivered")

    assert delivered["status"] == "delivered"
    assert await sim.messages_to(number_of(150)) == ["Your repayment is due on Friday."]
    # The daemon that answered is the package's: its command line names the unpacked venv.
    assert command_line(stack.daemon.proc.pid)[:2] == list(packaged.gateway)
    # Its console's pages and assets come from the package too (templates and static files).
    async with http.get(f"{stack.url}/console/sign-in") as page:
        assert page.status == 200
        assert 'name="api_key"' in await page.text()
    async with http.get(f"{stack.url}/console/static/console.css") as style:
        assert style.status == 200
        assert style.content_type == "text/css"


def command_line(pid: int) -> list[str]:
    """Return a process's argv, as the kernel shows it."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")

"""``GET /modems`` names a device the daemon may not open: ``disconnected``, reason ``permission``.

The contract test (``tests/contract/test_presence.py``) checks the reason where the port is opened;
this one checks what an operator sees when the udev rule or the ``dialout`` group is missing. The
pty the simulator made is set to mode 000, so opening it fails with a real ``EACCES``. The tests run
as root, which opens anything: there the daemon is started by ``setpriv`` without the capabilities
that bypass file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as a service user without
``dialout`` would be. Its own files stay root's, so only the device is refused.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import aiohttp

from tests.system.clients import GatewayClient, eventually
from tests.system.conftest import SYSTEM, StackFactory
from tests.system.processes import DEVELOPMENT, Runtime
from tests.system.stack import StackOptions

pytestmark = SYSTEM


def without_file_mode_override() -> Runtime:
    """Return the development daemon, started without the root capabilities that ignore file modes."""
    if os.geteuid() != 0:
        return DEVELOPMENT  # an ordinary user is refused a mode-000 file anyway
    setpriv = shutil.which("setpriv")  # util-linux, essential on Debian
    assert setpriv, "setpriv (util-linux) is needed to start the daemon without CAP_DAC_OVERRIDE"
    drop = "--bounding-set=-dac_override,-dac_read_search"
    return Runtime(gateway=(setpriv, drop, *DEVELOPMENT.gateway), simulator=DEVELOPMENT.simulator)


def pty_of(link: str) -> tuple[Path, int]:
    """Return the pty behind the simulator's symlink and its mode now."""
    device = Path(link).resolve()
    return device, stat.S_IMODE(device.stat().st_mode)


async def test_a_device_the_daemon_may_not_open_shows_permission_then_recovers(
    make_stack: StackFactory, http: aiohttp.ClientSession
) -> None:
    stack = await make_stack(StackOptions(start_daemon=False, runtime=without_file_mode_override()))
    device, mode = pty_of(stack.sims[0].device)
    device.chmod(0)
    try:
        await stack.start_daemon(wait_ready=False)
        gateway = GatewayClient(http, stack.url, stack.key)
        (modem,) = await eventually(
            gateway.modems,
            lambda items: [(m["state"], m["reason"]) for m in items] == [("disconnected", "permission")],
            what="the modem shown as refused for want of permission",
        )
        assert "denied" in modem["lastError"].lower(), modem
        assert modem["since"] is not None
    finally:
        device.chmod(mode)
    await gateway.wait_ready()  # the operator fixed the mode: the next attempt opens it
    (modem,) = await gateway.modems()
    assert (modem["state"], modem["reason"]) == ("ready", None)

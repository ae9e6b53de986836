"""Unplug and replug on a real pty, and why a port does not open, named from the real errno.

The device path is the simulator's stable symlink, which disappears on unplug and comes back on
replug, as ``/dev/serial/by-id/…`` does with a USB dongle. The driver looks at the path while it is
missing instead of backing off; it backs off only for a device that exists but cannot be used.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from gsmgateway.core.errors import ModemUnavailableError
from gsmgateway.core.models import ModemReason, ModemState
from gsmgateway.modem.driver import ModemDriver
from gsmgateway.modem.transport import ByteStream, device_presence, open_port, serial_opener
from simulator import SimulatorServer
from tests.contract.conftest import SIM_OPTIONS

ALICE = "+255700000001"
#: A back-off far longer than any test: a missing device must never wait for it.
PATIENT = dataclasses.replace(SIM_OPTIONS, reconnect_delay=30.0, reconnect_delay_max=60.0)


async def test_a_missing_device_is_waited_for_and_opened_once_it_is_back(tmp_path: Path) -> None:
    async with SimulatorServer(link="pty", pty_path=tmp_path / "modem") as sim:
        url = str(sim.url)
        opens: list[str] = []
        plain = serial_opener(url)

        async def counting() -> ByteStream:
            opens.append(url)
            return await plain()

        driver = ModemDriver("m1", counting, options=PATIENT, presence=device_presence(url))
        await driver.start()
        try:
            await driver.wait_ready(10)
            await sim.unplug()
            await driver.wait_for(lambda: driver.status.reason is ModemReason.MISSING, timeout=10)
            assert driver.state is ModemState.DISCONNECTED
            attempts = len(opens)
            await sim.replug(reboot=True)
            await driver.wait_ready(10)  # well inside the 30 s back-off: the path was watched
            assert len(opens) == attempts + 1  # one open, when the path came back; none while missing
            assert len(await driver.send_sms(ALICE, "back")) == 1
            assert driver.connections == 2
        finally:
            await driver.stop()


async def test_a_port_held_by_another_process_is_busy_and_retried(tmp_path: Path) -> None:
    async with SimulatorServer(link="pty", pty_path=tmp_path / "modem") as sim:
        url = str(sim.url)
        holder = await serial_opener(url)()  # like ModemManager or a terminal program holding it
        driver = ModemDriver("m1", serial_opener(url), options=SIM_OPTIONS, presence=device_presence(url))
        await driver.start()
        try:
            await driver.wait_for(lambda: driver.status.reason is ModemReason.BUSY, timeout=10)
            assert "lock" in driver.detail
            await holder.close()
            await driver.wait_ready(10)  # retried with back-off (0.05-0.2 s here) until it is free
        finally:
            await holder.close()
            await driver.stop()


async def test_a_missing_path_is_named_missing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-modem"
    with pytest.raises(ModemUnavailableError) as gone:
        await serial_opener(str(missing))()
    assert gone.value.reason == "missing"
    assert device_presence(str(missing)) is not None
    assert device_presence("socket://127.0.0.1:1") is None  # no path to look at


def test_a_device_that_may_not_be_opened_is_a_permission_problem(tmp_path: Path) -> None:
    """Open as an unprivileged user (root opens anything): the real EACCES must read ``permission``."""
    device = tmp_path / "ttyFAKE"
    device.write_bytes(b"")
    device.chmod(0o000)
    pid = os.fork()
    if pid == 0:  # the child: drop to nobody if root, open, and say by exit code what it was told
        code = 3
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            open_port(str(device))
        except ModemUnavailableError as exc:
            code = 0 if exc.reason == "permission" else 1
        except BaseException:
            code = 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0

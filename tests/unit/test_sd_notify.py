"""The sd_notify protocol against real datagram sockets, without a daemon.

Expected bytes come from sd_notify(3): newline-separated ``KEY=VALUE`` assignments in one datagram,
``@`` for the abstract namespace, ``$WATCHDOG_USEC`` in microseconds with pings at half of it, and
``$WATCHDOG_PID`` naming the one process that must ping.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gsmgateway.systemd.notify import ServiceNotifier
from gsmgateway.systemd.supervisor import status_line


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[socket.socket]:
    """Bind a datagram socket at a path, as systemd's notify socket."""
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(tmp_path / "notify"))
    receiver.settimeout(5)
    yield receiver
    receiver.close()


def test_nothing_is_sent_or_opened_without_notify_socket() -> None:
    notifier = ServiceNotifier.from_environment({"WATCHDOG_USEC": "1000000"}, pid=os.getpid())
    assert not notifier.enabled
    assert notifier.watchdog_interval is None
    assert notifier.send(READY="1") is False


def test_one_datagram_of_assignments_to_a_socket_path(tmp_path: Path, manager: socket.socket) -> None:
    notifier = ServiceNotifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "notify")})
    assert notifier.send(READY="1", STATUS="queued: 0; modems: modem-1 ready") is True
    notifier.close()
    assert manager.recv(4096) == b"READY=1\nSTATUS=queued: 0; modems: modem-1 ready"


def test_a_newline_in_a_value_cannot_start_an_assignment(tmp_path: Path, manager: socket.socket) -> None:
    notifier = ServiceNotifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "notify")})
    notifier.send(STATUS="modem\nREADY=1")
    notifier.close()
    assert manager.recv(4096) == b"STATUS=modem READY=1"


def test_abstract_namespace_address_starts_with_at() -> None:
    name = f"gsmgateway-test-{uuid.uuid4().hex}"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind("\0" + name)
    receiver.settimeout(5)
    notifier = ServiceNotifier.from_environment({"NOTIFY_SOCKET": "@" + name})
    try:
        assert notifier.send(STOPPING="1") is True
        assert receiver.recv(4096) == b"STOPPING=1"
    finally:
        notifier.close()
        receiver.close()


@pytest.mark.parametrize("value", ["relative/notify", "@", "vsock:2:1234"])
def test_an_address_we_cannot_use_disables_notifying(value: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        notifier = ServiceNotifier.from_environment({"NOTIFY_SOCKET": value})
    assert not notifier.enabled
    assert notifier.send(READY="1") is False
    assert "not a socket address" in caplog.text


def test_a_failed_send_returns_false_and_warns_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    notifier = ServiceNotifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "nobody-listens")})
    with caplog.at_level(logging.DEBUG, logger="gsmgateway.systemd.notify"):
        assert notifier.send(WATCHDOG="1") is False
        assert notifier.send(WATCHDOG="1") is False
    notifier.close()
    levels = [record.levelno for record in caplog.records]
    assert levels == [logging.WARNING, logging.DEBUG]


@pytest.mark.parametrize(
    ("environ", "interval"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 15.0),  # WatchdogSec=30: ping every 15 s
        ({"WATCHDOG_USEC": "400000", "WATCHDOG_PID": "4242"}, 0.2),  # the PID is ours
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_pings_at_half_of_watchdog_usec_for_its_own_process(
    tmp_path: Path, environ: dict[str, str], interval: float | None
) -> None:
    notifier = ServiceNotifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "n"), **environ}, pid=4242)
    assert notifier.watchdog_interval == interval


def test_status_line_names_the_listener_the_queue_and_each_modem() -> None:
    modems = [("modem-1", "ready"), ("modem-2", "disconnected")]
    assert status_line("http://127.0.0.1:8080", 3, modems) == (
        "listening on http://127.0.0.1:8080; queued: 3; modems: modem-1 ready, modem-2 disconnected"
    )
    assert status_line("http://[::1]:8080", None, []) == (
        "listening on http://[::1]:8080; queued: ?; modems: none configured"
    )

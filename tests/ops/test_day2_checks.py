"""Refusals an operator meets on day 2: check-config in one pass, files the service user cannot write.

The permission check runs the real refusal as another user: as root, a child process switches to
``nobody`` (root itself may write anywhere); otherwise the state directory is made read-only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

from gsmgateway.configcheck import check_config
from gsmgateway.core.errors import StoreError
from gsmgateway.store.ownership import StoreLock


def test_check_config_finds_every_problem_in_one_pass(tmp_path: Path) -> None:
    config = tmp_path / "gsmgateway.toml"
    config.write_text(
        f"""state_dir = "{tmp_path}"
log_level = "VERBOSE"

[api]
tls_cert = "/etc/ssl/gateway.pem"

[fineract_gateway]
tls_cert = "{tmp_path}/missing.pem"
tls_key = "{tmp_path}/missing.key"

[[modems]]
id = "a"
port = "/dev/ttyUSB0"

[[modems]]
id = "b"
port = "/dev/ttyUSB0"
""",
        encoding="utf-8",
    )
    problems, _ = check_config(config, env={})
    assert any(
        p.startswith("log_level: one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'VERBOSE'")
        for p in problems
    )
    assert any("modems[b].port: /dev/ttyUSB0 is also the port of modem 'a'" in p for p in problems), problems
    assert any(p.startswith("api: tls_cert and tls_key go together") for p in problems), problems
    assert any(p.startswith("fineract_gateway.tls_cert/tls_key: cannot be loaded") for p in problems), (
        problems
    )


def _refusal_as_nobody(database: Path) -> str:
    """Try to take the store as ``nobody`` in a forked child; return what it was told."""
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        message = "no refusal"
        try:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            StoreLock.acquire(database).release()
        except StoreError as exc:
            message = str(exc)
        except BaseException as exc:  # anything else is reported to the test
            message = f"unexpected {exc!r}"
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        said = pipe.read().decode()
    os.waitpid(child, 0)
    return said


def test_a_state_directory_the_service_user_cannot_write_is_named_with_its_owner() -> None:
    root = Path(tempfile.mkdtemp(prefix="gsmgw-perm-"))  # pytest's own directory is 0700 to others
    try:
        _refused_with_owner(root)
    finally:
        shutil.rmtree(root)


def _refused_with_owner(root: Path) -> None:
    root.chmod(0o755)  # as /var/lib: anyone may look, only root may write
    state = root / "state"
    state.mkdir(mode=0o755)
    database = state / "gsmgateway.db"
    if os.geteuid() == 0:
        said = _refusal_as_nobody(database)
        assert said.startswith(
            f"the state directory {state} is not writable by nobody (owner root:root, mode 0755)"
        )
    else:
        state.chmod(0o555)
        try:
            StoreLock.acquire(database).release()
        except StoreError as exc:
            said = str(exc)
        finally:
            state.chmod(0o755)
        assert f"the state directory {state} is not writable by" in said
    assert "chown" in said

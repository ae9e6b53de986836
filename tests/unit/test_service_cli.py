"""The admin commands: `apikey create` prints a working key once; `directory import` is all or nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gsmgateway.cli import EX_CONFIG, EX_DATAERR, main
from gsmgateway.core.config import load
from gsmgateway.core.errors import AuthError, RecipientError
from gsmgateway.core.records import RecipientKind
from gsmgateway.wiring import Services, open_services


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "gw.toml"
    path.write_text(
        f'state_dir = "{tmp_path}"\n[directory]\ndefault_country_code = "255"\n', encoding="utf-8"
    )
    return path


async def _services(config_file: Path) -> Services:
    return await open_services(load(config_file, env={}))


def test_apikey_create_prints_a_key_that_authenticates(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "--config",
                str(config_file),
                "apikey",
                "create",
                "--name",
                "platform",
                "--scopes",
                "sms:send,sms:read",
            ]
        )
        == 0
    )
    key = capsys.readouterr().out.splitlines()[-1]
    assert key.startswith("gsk_")
    assert len(key) > 40

    async def check() -> frozenset[str]:
        services = await _services(config_file)
        try:
            return (await services.authenticator.authenticate(key)).scopes
        finally:
            await services.close()

    assert asyncio.run(check()) == frozenset({"sms:send", "sms:read"})
    assert key not in (Path(config_file).parent / "gsmgateway.db").read_bytes().decode("latin-1")


def test_apikey_with_unknown_scope_is_refused(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--config", str(config_file), "apikey", "create", "--name", "x", "--scopes", "sms:all"])
        == EX_DATAERR
    )
    assert "unknown or missing scopes ['sms:all']" in capsys.readouterr().err


def test_directory_import(config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "kind,id,mobile,name\nclient,12,0712345678,Asha\nstaff,7,+255700000007,Bo\n", encoding="utf-8"
    )
    assert main(["--config", str(config_file), "directory", "import", str(csv_file)]) == 0
    assert "imported 2" in capsys.readouterr().out
    csv_file.write_text("kind,id,mobile\nclient,40,0712345678\nclient,41,nope\n", encoding="utf-8")
    assert main(["--config", str(config_file), "directory", "import", str(csv_file)]) == EX_DATAERR
    assert "line 3" in capsys.readouterr().err

    async def check() -> str:
        services = await _services(config_file)
        try:
            with pytest.raises(RecipientError):
                await services.directory.resolve(RecipientKind.CLIENT, "40")
            return (await services.directory.resolve(RecipientKind.CLIENT, "12")).number
        finally:
            await services.close()

    assert asyncio.run(check()) == "+255712345678"
    assert (
        main(["--config", str(config_file), "directory", "import", str(tmp_path / "none.csv")]) == EX_DATAERR
    )


def test_bad_config_exits_78_listing_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[api]\nport = -1\nwhat = 1\n", encoding="utf-8")
    assert (
        main(["--config", str(bad), "apikey", "create", "--name", "x", "--scopes", "sms:send"]) == EX_CONFIG
    )
    err = capsys.readouterr().err
    assert "api.port" in err
    assert "api.what: unknown key" in err


def test_directory_import_of_non_utf8_file_changes_nothing(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "latin1.csv"
    csv_file.write_bytes(b"kind,id,mobile,name\nclient,12,0712345678,Jos\xe9\n")
    assert main(["--config", str(config_file), "directory", "import", str(csv_file)]) == EX_DATAERR
    assert "cannot read" in capsys.readouterr().err


def test_apikey_list_and_revoke(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = ["--config", str(config_file)]
    assert main([*config, "apikey", "create", "--name", "platform", "--scopes", "sms:send"]) == 0
    key = capsys.readouterr().out.splitlines()[-1]
    assert main([*config, "apikey", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["1\tplatform\tsms:send\tactive"]

    assert main([*config, "apikey", "revoke", "1"]) == 0
    assert main([*config, "apikey", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1\tplatform\tsms:send\trevoked"

    async def authenticates() -> bool:
        services = await _services(config_file)
        try:
            await services.authenticator.authenticate(key)
        except AuthError:
            return False
        finally:
            await services.close()
        return True

    assert not asyncio.run(authenticates())
    assert main([*config, "apikey", "revoke", "1"]) == EX_DATAERR  # already revoked: nothing to do
    assert "no active API key with id 1" in capsys.readouterr().err

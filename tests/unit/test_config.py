"""Configuration: layering (file < env < CLI), typed frozen results, every problem reported at once."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from random import Random

import pytest

from gsmgateway.core.config import GatewayConfig, load
from gsmgateway.core.config_inbound import WebhookConfig
from gsmgateway.core.config_sections import ModemConfig, QuietHours, RetryPolicy
from gsmgateway.core.errors import ConfigError

EXAMPLE = Path(__file__).parents[2] / "config" / "gsmgateway.toml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gw.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_suit_a_daemon() -> None:
    config = load(env={})
    assert config.api.port == 8080
    assert config.dispatch.max_parts == 6
    assert config.dispatch.mode == "immediate"
    assert config.store_url.startswith("sqlite+aiosqlite:///")
    assert config.store_url.endswith("/gsmgateway.db")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.api.port = 1  # type: ignore[misc]


def test_example_file_documents_every_key_with_its_default(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    uncommented = re.sub(r"^# (\[\[(?:modems|webhooks)\]\]|[a-z_]+ = .*)$", r"\1", text, flags=re.MULTILINE)
    config = load(_write(tmp_path, uncommented), env={})
    modem = ModemConfig(id="modem-1", port="/dev/serial/by-id/usb-Quectel_EC25-if02-port0")
    hook = WebhookConfig(
        url="https://crm.example.org/gsmgateway/events", secret="change-me-to-a-long-random-string"
    )
    assert config == GatewayConfig(state_dir="/var/lib/gsmgateway", modems=(modem,), webhooks=(hook,))
    sections = [getattr(config, f.name) for f in dataclasses.fields(GatewayConfig)]
    tables = [s for s in sections if dataclasses.is_dataclass(s)] + [modem, hook]
    names = [f.name for s in tables for f in dataclasses.fields(s)] + ["state_dir", "log_level"]
    for name in names:
        assert re.search(rf"^# {name} = ", text, re.MULTILINE), f"{name} is not documented"


def test_file_then_env_then_overrides(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        state_dir = "/srv/gw"
        [api]
        port = 9000
        host = "192.0.2.1"
        [dispatch]
        mode = "scheduled"
        [[modems]]
        id = "m1"
        port = "/dev/ttyUSB0"
        [[modems]]
        id = "m2"
        port = "/dev/ttyUSB1"
        messages_per_minute = 6
        """,
    )
    env = {"GSMGATEWAY_API__PORT": "9100", "GSMGATEWAY_RETRY__MAX_ATTEMPTS": "3", "HOME": "/root"}
    config = load(path, env=env, overrides={"api.port": 0, "quiet_hours.enabled": True})
    assert config.api.port == 0  # CLI beats env beats file
    assert config.api.host == "192.0.2.1"
    assert config.retry.max_attempts == 3
    assert config.dispatch.mode == "scheduled"
    assert config.quiet_hours.enabled is True
    assert [m.id for m in config.modems] == ["m1", "m2"]
    assert config.modems[1].messages_per_minute == 6
    assert config.state_dir == "/srv/gw"
    assert config.store_url == "sqlite+aiosqlite:////srv/gw/gsmgateway.db"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        colour = "blue"
        [api]
        port = "eighty"
        [dispatch]
        mode = "sometimes"
        max_parts = 0
        [retry]
        jitter = 1.5
        [quiet_hours]
        timezone = "Mars/Olympus"
        start = "late"
        [[modems]]
        id = "m1"
        port = "/dev/ttyUSB0"
        [[modems]]
        id = "m1"
        [[modems]]
        id = "m1"
        port = "/dev/ttyUSB2"
        """,
    )
    with pytest.raises(ConfigError) as caught:
        load(path, env={"GSMGATEWAY_LIMITS__PER_KEY_BURST": "lots"})
    problems = "\n".join(caught.value.problems)
    for expected in (
        "colour: unknown key",
        "api.port: must be a whole number",
        "dispatch.mode: must be one of immediate, scheduled",
        "dispatch.max_parts: must be > 0",
        "retry.jitter",
        "quiet_hours.timezone: unknown time zone",
        "quiet_hours.start: must be a time of day",
        "modems[1].port: required",
        "id 'm1' used twice",
        "limits.per_key_burst: must be a whole number",
    ):
        assert expected in problems
    assert len(caught.value.problems) >= 10


def test_unreadable_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No such file"):
        load(tmp_path / "missing.toml", env={})
    with pytest.raises(ConfigError, match=r"gw\.toml"):
        load(_write(tmp_path, "[api\nport = 1"), env={})


def test_env_strings_are_typed() -> None:
    config = load(
        env={
            "GSMGATEWAY_DISPATCH__AT_LEAST_ONCE": "yes",
            "GSMGATEWAY_RETRY__BASE_DELAY_SECONDS": "1.5",
            "GSMGATEWAY_QUIET_HOURS__START": "22:30",
            "GSMGATEWAY_FINERACT__ENABLED": "false",
        }
    )
    assert config.dispatch.at_least_once is True
    assert config.retry.base_delay_seconds == 1.5
    assert config.quiet_hours.start == time(22, 30)
    with pytest.raises(ConfigError, match="must be true or false"):
        load(env={"GSMGATEWAY_DISPATCH__AT_LEAST_ONCE": "maybe"})
    with pytest.raises(ConfigError, match=r"fineract\.base_url: required"):
        load(env={"GSMGATEWAY_FINERACT__ENABLED": "1"})


def test_quiet_hours_across_midnight_in_branch_time_zone() -> None:
    quiet = QuietHours(enabled=True, start=time(21), end=time(7), timezone="Africa/Dar_es_Salaam")  # UTC+3
    evening = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)  # 21:30 local
    assert quiet.contains(evening)
    assert quiet.ends_after(evening) == datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 07:00 local
    early = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 06:00 local
    assert quiet.ends_after(early) == datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
    noon = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    assert not quiet.contains(noon)
    assert quiet.ends_after(noon) == noon
    assert not QuietHours(enabled=False).contains(evening)


def test_retry_delay_grows_exponentially_within_jitter_and_cap() -> None:
    policy = RetryPolicy(base_delay_seconds=10, max_delay_seconds=60, jitter=0.2)
    rng = Random(4)
    for attempt, nominal in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delay = policy.delay(attempt, rng)
        assert timedelta(seconds=nominal * 0.8) <= delay <= timedelta(seconds=nominal * 1.2)


def test_garbage_bytes_in_the_file_are_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_bytes(b"[api]\nport = 80\xff\xfe\n")
    with pytest.raises(ConfigError, match=r"gw\.toml"):
        load(path, env={})


def test_modem_driver_settings_are_checked_before_the_driver_sees_them(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[modems]]\nid = "m1"\nport = "/dev/ttyUSB0"\npin = "12a4"\nsmsc = "0712 345"\n'
        'report_routing = "pushed"\nbaudrate = 0\n',
    )
    with pytest.raises(ConfigError) as caught:
        load(path, env={})
    problems = "\n".join(caught.value.problems)
    assert "modems[0].report_routing: must be one of stored, direct, poll" in problems
    assert "modems[m1].pin: a SIM PIN is 4 to 8 digits" in problems
    assert "modems[m1].smsc: must be + and 6 to 15 digits" in problems
    assert "modems[m1].baudrate: must be > 0" in problems


def test_modem_driver_settings_reach_the_driver_options(tmp_path: Path) -> None:
    from gsmgateway.app import driver_options_for
    from gsmgateway.modem.options import ReportRouting

    path = _write(
        tmp_path,
        '[[modems]]\nid = "m1"\nport = "/dev/ttyUSB0"\npin = "1234"\nsmsc = "+255754000000"\n'
        'report_routing = "direct"\n',
    )
    options = driver_options_for(load(path, env={}).modems[0])
    assert (options.pin, options.smsc, options.report_routing) == (
        "1234",
        "+255754000000",
        ReportRouting.DIRECT,
    )
    default = driver_options_for(ModemConfig(id="m2", port="/dev/ttyUSB1"))
    assert (default.pin, default.smsc, default.report_routing) == (None, None, ReportRouting.STORED)


def test_a_modem_id_of_the_wrong_type_is_a_problem_not_a_crash() -> None:
    with pytest.raises(ConfigError) as caught:
        load(overrides={"modems": [{"id": [1], "port": "/dev/ttyUSB0"}]}, env={})
    assert any(problem.startswith("modems[0].id:") for problem in caught.value.problems)


def test_webhooks_and_inbound_problems_are_all_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[inbound]
concat_timeout_seconds = 0
opt_out_words = []
confirm_keywords = true
opt_in_reply = ""

[webhook_delivery]
max_concurrent = 0
retry_base_seconds = -1

[[webhooks]]
url = "ftp://example.org/hook"
secret = "short"
events = ["message.status", "sms.sent"]

[[webhooks]]
secret = "long-enough-secret-1234"

[[webhooks]]
url = "https://a.example/hook"
secret = "long-enough-secret-1234"
[[webhooks]]
url = "https://a.example/hook"
secret = "long-enough-secret-1234"
""",
    )
    with pytest.raises(ConfigError) as raised:
        load(path, env={})
    problems = "\n".join(raised.value.problems)
    for expected in (
        "inbound.concat_timeout_seconds: must be > 0",
        "inbound.opt_out_words: needs at least one word",
        "confirm_keywords needs opt_out_reply and opt_in_reply",
        "webhook_delivery.max_concurrent: must be >= 1",
        "webhook_delivery.retry_base_seconds: must be > 0",
        "webhooks['example.org'].url: must be an http:// or https:// URL",
        "webhooks['example.org'].secret: at least 16 characters",
        "webhooks[0].events: unknown event 'sms.sent'",
        "webhooks[1].url: required",
        # two unnamed endpoints with one URL get one name (host, '-', 8 hex of its SHA-256): refused
        f"webhooks['a.example-{hashlib.sha256(b'https://a.example/hook').hexdigest()[:8]}']: "
        "configured twice",
    ):
        assert expected in problems, f"{expected!r} not in:\n{problems}"


def test_word_lists_come_from_toml_lists_or_comma_separated_environment() -> None:
    config = load(
        env={"GSMGATEWAY_INBOUND__OPT_OUT_WORDS": "STOP, ACHA ,", "GSMGATEWAY_INBOUND__OPT_IN_WORDS": "ANZA"}
    )
    assert (config.inbound.opt_out_words, config.inbound.opt_in_words) == (("STOP", "ACHA"), ("ANZA",))


def test_a_webhook_is_named_by_its_host_never_by_the_tokens_its_url_may_carry(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[[webhooks]]
url = "https://user:secret@hooks.example/x?token=abc"
secret = "long-enough-secret-1234"

[[webhooks]]
url = "http://[::1]:8443/y?token=def"
secret = "long-enough-secret-1234"

[[webhooks]]
url = "https://user:secret@hooks.example/z"
secret = "long-enough-secret-1234"
name = "crm"
""",
    )
    hooks = load(path, env={}).webhooks
    assert [hook.name for hook in hooks] == ["hooks.example", "[::1]:8443", "crm"]
    assert hooks[0].public_url == "https://hooks.example/…"


def test_a_webhook_name_that_could_not_label_a_metric_is_refused_without_repeating_it(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        """
[[webhooks]]
url = "https://hooks.example/x"
secret = "long-enough-secret-1234"
name = "https://user:secret@hooks.example/x?token=abc"

[[webhooks]]
url = "ftp://user:secret@hooks.example/y?token=abc"
secret = "long-enough-secret-1234"
name = "two words"
""",
    )
    with pytest.raises(ConfigError) as raised:
        load(path, env={})
    problems = "\n".join(raised.value.problems)
    assert "webhooks[0].name: 1 to 64 letters" in problems
    assert "webhooks[1].name: 1 to 64 letters" in problems
    assert "webhooks[1].url: must be an http:// or https:// URL, not 'ftp://hooks.example/…'" in problems
    assert "secret" not in problems.replace(".secret", "")
    assert "abc" not in problems


def test_an_http_clients_error_about_a_webhook_loses_the_urls_secret_parts() -> None:
    hook = WebhookConfig(url="https://user:secret@hooks.example/x?token=abc", secret="s" * 16)
    error = f"InvalidUrlClientError: {hook.url} (password secret, query token=abc)"
    assert hook.scrub(error) == "InvalidUrlClientError: https://hooks.example/… (password ***, query ***)"


def test_a_token_in_a_webhooks_path_is_scrubbed_too() -> None:
    hook = WebhookConfig(url="https://hooks.example/services/T0001/B0001/XXsecretXX", secret="s" * 16)
    error = "404 Not Found for /services/T0001/B0001/XXsecretXX at https://hooks.example/services/T0001/B0001/XXsecretXX"
    assert hook.scrub(error) == "404 Not Found for *** at https://hooks.example/…"


def test_a_country_code_of_unicode_digits_is_refused() -> None:
    for code in ("²55", "٢٥٥"):  # a superscript 2; Arabic-Indic 255: digits to str.isdigit, not to a phone
        with pytest.raises(ConfigError) as raised:
            load(env={"GSMGATEWAY_DIRECTORY__DEFAULT_COUNTRY_CODE": code})
        assert "directory.default_country_code: digits only" in "\n".join(raised.value.problems)
    config = load(env={"GSMGATEWAY_DIRECTORY__DEFAULT_COUNTRY_CODE": "255"})
    assert config.directory.default_country_code == "255"

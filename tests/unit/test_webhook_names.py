"""Unnamed webhook endpoints: each gets a name of its own that can label a metric, from the config alone.

The names expected here are written out by hand from the URLs: the host as DNS carries it (RFC 3492
punycode for an IDN label: ``müller`` is ``xn--mller-kva``), then the path when the host is shared,
then an ordinal when the path is too. Only a name the
operator wrote is checked and complained about.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gsmgateway.core.config import load, load_checked
from gsmgateway.core.errors import ConfigError

SECRET = 'secret = "long-enough-secret-1234"'
#: A name as config/gsmgateway.toml promises it: 1-64 of A-Z a-z 0-9 . _ : - [ ] (Prometheus takes any
#: label value; these keep log lines and the status report unambiguous).
LABEL = re.compile(r"[A-Za-z0-9\[][A-Za-z0-9._:\[\]-]{0,63}")


def hooks_file(tmp_path: Path, *urls: str, extra: str = "") -> Path:
    tables = "\n".join(f'[[webhooks]]\nurl = "{url}"\n{SECRET}\n' for url in urls)
    path = tmp_path / "gw.toml"
    path.write_text(tables + extra, encoding="utf-8")
    return path


def names(tmp_path: Path, *urls: str, extra: str = "") -> list[str]:
    return [hook.name for hook in load(hooks_file(tmp_path, *urls, extra=extra), env={}).webhooks]


def test_two_unnamed_endpoints_on_one_host_are_told_apart_by_their_paths(tmp_path: Path) -> None:
    assert names(
        tmp_path,
        "https://crm.example.org/gsmgateway/events",
        "https://crm.example.org/other/events?token=abc",
        "https://user:pw@sms.example.org:8443/hook",
    ) == ["crm.example.org_gsmgateway_events", "crm.example.org_other_events", "sms.example.org:8443"]


def test_a_name_the_operator_gave_is_avoided_and_an_unnamed_endpoint_moves_aside(tmp_path: Path) -> None:
    extra = f'[[webhooks]]\nurl = "https://crm.example.org/a"\n{SECRET}\nname = "crm.example.org"\n'
    assert names(tmp_path, "https://crm.example.org/b", extra=extra) == [
        "crm.example.org_b",
        "crm.example.org",
    ]


def test_urls_differing_only_in_their_query_are_numbered_in_url_order_whatever_the_file_order(
    tmp_path: Path,
) -> None:
    first = "https://crm.example.org/hook?tenant=a"
    second = "https://crm.example.org/hook?tenant=b"
    assert names(tmp_path, first, second) == ["crm.example.org_hook-1", "crm.example.org_hook-2"]
    assert names(tmp_path, second, first) == ["crm.example.org_hook-2", "crm.example.org_hook-1"]


def test_an_idn_host_is_named_in_punycode_and_a_long_one_is_shortened(tmp_path: Path) -> None:
    long_host = ".".join(["branch-office-number-seven"] * 3) + ".example.org"  # 92 characters
    got = names(tmp_path, "https://müller.example.org/x", f"https://{long_host}/x", "https://[::1]:9/x")
    assert got[0] == "xn--mller-kva.example.org"
    assert got[1].startswith(long_host[:40])
    assert len(got[1]) == 64
    assert got[2] == "[::1]:9"
    assert all(LABEL.fullmatch(name) for name in got), got


def test_default_names_are_always_labels_and_never_complained_about(tmp_path: Path) -> None:
    urls = [
        "https://müller.example.org/x",
        "https://xn--mller-kva.example.org/x",
        "https://müller.example.org/ä/ö%20ü/?q=1",
        "https://" + "a" * 63 + "." + "b" * 63 + ".example/" + "p/" * 40,
        "https://" + "a" * 63 + "." + "b" * 63 + ".example/" + "q/" * 40,
        "https://_dmarc.example.org/",
        "https://-x-.example.org/",
    ]
    config, problems = load_checked(hooks_file(tmp_path, *urls), env={})
    assert problems == []
    assert config is not None
    got = [hook.name for hook in config.webhooks]
    assert len(set(got)) == len(urls), got
    assert all(LABEL.fullmatch(name) for name in got), got


def test_one_url_twice_without_names_is_still_refused_and_a_bad_given_name_is_named(tmp_path: Path) -> None:
    extra = f'[[webhooks]]\nurl = "https://b.example/hook"\n{SECRET}\nname = "two words"\n'
    path = hooks_file(tmp_path, "https://a.example/hook", "https://a.example/hook", extra=extra)
    with pytest.raises(ConfigError) as raised:
        load(path, env={})
    problems = raised.value.problems
    assert any("configured twice" in problem for problem in problems), problems
    assert [p for p in problems if ".name:" in p] == [
        "webhooks[2].name: 1 to 64 letters, digits and . _ : - [ ] (it names the endpoint in logs "
        "and metrics)"
    ]

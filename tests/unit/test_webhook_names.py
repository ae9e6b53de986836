"""Unnamed webhook endpoints: each gets a name of its own that can label a metric, from the config alone.

The names expected here are written out by hand from the URLs: the host as DNS carries it (RFC 3492
punycode for an IDN label: ``müller`` is ``xn--mller-kva``), and when the host is shared a hyphen and
the first 8 hex digits of the SHA-256 of the whole URL — never its path, query or user, which may
carry a token. Only a name the operator wrote is checked and complained about.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from gsmgateway.core.config import load, load_checked
from gsmgateway.core.errors import ConfigError

SECRET = 'secret = "long-enough-secret-1234"'
#: A name as config/gsmgateway.toml promises it: 1-64 of A-Z a-z 0-9 . _ : - [ ] (Prometheus takes any
#: label value; these keep log lines and the status report unambiguous).
LABEL = re.compile(r"[A-Za-z0-9\[][A-Za-z0-9._:\[\]-]{0,63}")


def digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:8]


def hooks_file(tmp_path: Path, *urls: str, extra: str = "") -> Path:
    tables = "\n".join(f'[[webhooks]]\nurl = "{url}"\n{SECRET}\n' for url in urls)
    path = tmp_path / "gw.toml"
    path.write_text(tables + extra, encoding="utf-8")
    return path


def names(tmp_path: Path, *urls: str, extra: str = "") -> list[str]:
    return [hook.name for hook in load(hooks_file(tmp_path, *urls, extra=extra), env={}).webhooks]


def test_two_unnamed_endpoints_on_one_host_are_told_apart_without_their_paths(tmp_path: Path) -> None:
    events = "https://crm.example.org/gsmgateway/events"
    slack_like = "https://crm.example.org/services/T0001/B0001/XXsecretXX?token=abc"
    got = names(tmp_path, events, slack_like, "https://user:pw@sms.example.org:8443/hook")
    assert got == [
        f"crm.example.org-{digest(events)}",
        f"crm.example.org-{digest(slack_like)}",
        "sms.example.org:8443",
    ]
    tokens = ("secret", "T0001", "abc", "events", "user", "pw")
    assert not any(token in name for name in got for token in tokens)


def test_a_name_the_operator_gave_is_avoided_and_an_unnamed_endpoint_moves_aside(tmp_path: Path) -> None:
    extra = f'[[webhooks]]\nurl = "https://crm.example.org/a"\n{SECRET}\nname = "crm.example.org"\n'
    assert names(tmp_path, "https://crm.example.org/b", extra=extra) == [
        f"crm.example.org-{digest('https://crm.example.org/b')}",
        "crm.example.org",
    ]


def test_urls_differing_only_in_their_query_get_the_same_names_whatever_the_file_order(
    tmp_path: Path,
) -> None:
    first = "https://crm.example.org/hook?tenant=a"
    second = "https://crm.example.org/hook?tenant=b"
    expected = {first: f"crm.example.org-{digest(first)}", second: f"crm.example.org-{digest(second)}"}
    assert expected[first] != expected[second]
    assert names(tmp_path, first, second) == [expected[first], expected[second]]
    assert names(tmp_path, second, first) == [expected[second], expected[first]]


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

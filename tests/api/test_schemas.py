"""The request schemas on their own: every rule refuses what it should and names the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmgateway.api.body import parse_json
from gsmgateway.api.requests import LIST_SMS, PUT_DIRECTORY_ENTRY, SUBMIT_BATCH, SUBMIT_SMS
from gsmgateway.core.errors import ValidationError

VALID = {"message": "Hello", "clientId": "12"}


def refused(schema: Any, data: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        schema.parse(data)
    return info.value


def test_valid_submit_is_parsed_to_snake_case() -> None:
    parsed = SUBMIT_SMS.parse(
        {"message": "Hi\nthere", "staffId": 7, "sendAt": "2030-01-01T09:00:00+03:00", "externalId": "x-1"}
    )
    assert parsed == {
        "message": "Hi\nthere",
        "staff_id": "7",
        "send_at": datetime(2030, 1, 1, 9, tzinfo=timezone(timedelta(hours=3))),
        "external_id": "x-1",
    }


@pytest.mark.parametrize(
    ("data", "error_type", "field"),
    [
        ([], "invalid_body", None),
        ("text", "invalid_body", None),
        ({"clientId": "1"}, "missing_field", "message"),
        ({**VALID, "to": "+255700000001"}, "unknown_field", "to"),
        ({**VALID, "message": 5}, "invalid_type", "message"),
        ({**VALID, "message": None}, "invalid_type", "message"),
        ({**VALID, "message": ""}, "empty_message", "message"),
        ({**VALID, "message": " \n "}, "empty_message", "message"),
        ({**VALID, "message": "a\tb"}, "invalid_characters", "message"),
        ({**VALID, "message": "a\rb"}, "invalid_characters", "message"),
        ({**VALID, "message": "a\x00b"}, "invalid_characters", "message"),
        ({**VALID, "message": "a\x85b"}, "invalid_characters", "message"),
        ({**VALID, "message": "a\ud800b"}, "invalid_characters", "message"),
        ({**VALID, "message": "x" * 5001}, "too_long", "message"),
        ({"message": "m"}, "invalid_recipient", "clientId"),
        ({**VALID, "staffId": "3"}, "invalid_recipient", "clientId"),
        ({**VALID, "clientId": True}, "invalid_type", "clientId"),
        ({**VALID, "clientId": 1.5}, "invalid_type", "clientId"),
        ({**VALID, "clientId": -1}, "invalid_type", "clientId"),
        ({**VALID, "clientId": ""}, "invalid_value", "clientId"),
        ({**VALID, "clientId": "a b"}, "invalid_value", "clientId"),
        ({**VALID, "sendAt": "2030-01-01T09:00:00"}, "missing_timezone", "sendAt"),
        ({**VALID, "sendAt": "tomorrow"}, "invalid_datetime", "sendAt"),
        ({**VALID, "sendAt": 1893456000}, "invalid_type", "sendAt"),
        ({**VALID, "externalId": {"a": 1}}, "invalid_type", "externalId"),
    ],
)
def test_submit_refusals_name_type_and_field(data: Any, error_type: str, field: str | None) -> None:
    error = refused(SUBMIT_SMS, data)
    assert (error.error_type, error.field) == (error_type, field)


def test_batch_item_errors_carry_their_index_path() -> None:
    with pytest.raises(ValidationError) as info:
        SUBMIT_SMS.parse({"message": "x", "clientId": "1", "bogus": 1}, prefix="items[4]")
    assert info.value.field == "items[4].bogus"


@pytest.mark.parametrize(
    ("items", "error_type"),
    [([], "out_of_range"), ([VALID] * 1001, "too_many_items"), ({"a": 1}, "invalid_type")],
)
def test_batch_envelope_rules(items: Any, error_type: str) -> None:
    assert refused(SUBMIT_BATCH, {"items": items}).error_type == error_type


def test_list_query_converts_strings_and_refuses_unknown_and_repeated_keys() -> None:
    parsed = LIST_SMS.parse_query(
        {"status": "sent", "limit": "500", "createdFrom": "2030-01-01T00:00:00 03:00"},
        ["status", "limit", "createdFrom"],
    )
    assert parsed["limit"] == 500
    assert parsed["created_from"] == datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=3)))
    for query, keys, error_type in [
        ({"limit": "501"}, ["limit"], "out_of_range"),
        ({"limit": "0"}, ["limit"], "out_of_range"),
        ({"limit": "ten"}, ["limit"], "invalid_type"),
        ({"limit": "9" * 5000}, ["limit"], "out_of_range"),
        ({"status": "lost"}, ["status"], "invalid_value"),
        ({"number": "1"}, ["number"], "unknown_field"),
        ({"status": "sent"}, ["status", "status"], "validation_error"),
    ]:
        with pytest.raises(ValidationError) as info:
            LIST_SMS.parse_query(query, keys)
        assert info.value.error_type == error_type


def test_directory_entry_defaults_and_types() -> None:
    assert PUT_DIRECTORY_ENTRY.parse({"mobile": "+255712345678"}) == {"mobile": "+255712345678"}
    assert PUT_DIRECTORY_ENTRY.parse({}) == {}
    assert refused(PUT_DIRECTORY_ENTRY, {"mobile": "+1", "optedOut": "yes"}).error_type == "invalid_type"


@pytest.mark.parametrize(
    ("raw", "error_type"),
    [
        (b"{", "malformed_json"),
        (b"\xff\xfe{}", "malformed_json"),
        (b'{"message": NaN}', "malformed_json"),
        (b'{"a": 1, "a": 2}', "duplicate_field"),
        (b"[" * 100_000, "malformed_json"),
    ],
)
def test_parse_json_refusals(raw: bytes, error_type: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_json(raw)
    assert info.value.error_type == error_type


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_garbage_bytes_never_crash_the_parser(raw: bytes) -> None:
    try:
        data = parse_json(raw)
        SUBMIT_SMS.parse(data)
    except ValidationError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_accepted_text_never_holds_a_control_character_other_than_newline(text: str) -> None:
    try:
        parsed = SUBMIT_SMS.parse({"message": text, "clientId": "1"})
    except ValidationError:
        return
    assert parsed["message"].strip()
    allowed = [
        ch == "\n" or (ord(ch) >= 0x20 and not 0x7F <= ord(ch) <= 0x9F and not 0xD800 <= ord(ch) <= 0xDFFF)
        for ch in text
    ]
    assert all(allowed)


def test_naive_and_aware_datetimes() -> None:
    aware = SUBMIT_SMS.parse({**VALID, "sendAt": "2030-01-01T06:00:00Z"})["send_at"]
    assert aware == datetime(2030, 1, 1, 6, tzinfo=UTC)

"""A small declarative schema for request bodies and query strings, and its OpenAPI rendering.

The handlers validate with these definitions and ``GET /openapi.json`` is rendered from the very same
objects, so the published contract cannot drift from what the server accepts: a field is accepted
exactly when it is documented. Validation is strict on purpose — an unknown field, a wrong type or a
control character in a message is a clear 400 rather than a guess, because a guess here becomes an
SMS to a real person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from gsmgateway.core.characters import first_forbidden_character
from gsmgateway.core.errors import ValidationError

JsonObject = dict[str, Any]

ID_PATTERN: Final = r"^[A-Za-z0-9._:-]{1,64}$"
EARLIEST_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)  # the store keeps microseconds since 1970
LATEST_TIME: Final = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_ID_VALUE: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # ID_PATTERN, used with fullmatch (no "$\n" gap)


class FieldKind(StrEnum):
    """The JSON shape a field takes; each kind has one parser and one OpenAPI rendering."""

    STRING = "string"
    TEXT = "text"  # message text: non-blank, no control characters other than newline
    IDENTIFIER = "identifier"  # a client/staff/external id: short string (or a whole number)
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATETIME = "datetime"  # ISO 8601 with an explicit offset; naive times are refused
    ARRAY = "array"  # a list of objects described by ``items``


@dataclass(frozen=True)
class Field:
    """One documented field: its JSON name, the Python name it is parsed into, and its rules.

    ``example`` is a valid value; tests post it to prove every documented field is accepted.
    """

    name: str
    attr: str
    kind: FieldKind
    description: str
    example: Any
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    items: ObjectSchema | None = None

    def parse(self, value: Any, where: str) -> Any:
        """Return ``value`` converted to its Python form.

        :raises ValidationError: with ``field`` set to ``where`` when the value breaks a rule.
        """
        if value is None:
            raise ValidationError(f"{where} must not be null", field=where, error_type="invalid_type")
        return _PARSERS[self.kind](self, value, where)

    def parse_query(self, raw: str, where: str) -> Any:
        """Return a query-string value (always text on the wire) converted to its Python form."""
        if self.kind is FieldKind.INTEGER:
            if not raw.isascii() or not raw.isdigit():
                raise ValidationError(
                    f"{where} must be a whole number", field=where, error_type="invalid_type"
                )
            return self.parse(int(raw) if len(raw) <= 19 else 2**63, where)  # never parse 4300 digits
        if self.kind is FieldKind.BOOLEAN:
            if raw not in ("true", "false"):
                raise ValidationError(
                    f"{where} must be true or false", field=where, error_type="invalid_type"
                )
            return raw == "true"
        if self.kind is FieldKind.DATETIME:
            raw = raw.replace(" ", "+")  # an unencoded "+03:00" arrives as " 03:00" in a query string
        return self.parse(raw, where)

    def openapi(self) -> JsonObject:
        """Return this field as an OpenAPI 3.1 schema object."""
        schema: JsonObject = dict(_OPENAPI_TYPES[self.kind])
        if self.kind is FieldKind.IDENTIFIER:
            schema = {"oneOf": [{"type": "string", "pattern": ID_PATTERN}, {"type": "integer", "minimum": 0}]}
        if self.min_length is not None:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.choices is not None:
            schema["enum"] = list(self.choices)
        if self.items is not None:
            schema["items"] = {"$ref": f"#/components/schemas/{self.items.name}"}
            if self.maximum is not None:
                del schema["maximum"]
                schema["maxItems"] = self.maximum
            schema["minItems"] = 1
        schema["description"] = self.description
        schema["example"] = self.example
        return schema


@dataclass(frozen=True)
class ObjectSchema:
    """A JSON object with a closed set of fields (``additionalProperties: false``).

    ``exactly_one_of`` names fields of which one, and only one, must be present (``clientId`` or
    ``staffId``), for the OpenAPI document; ``rule`` checks the parsed object as a whole and is
    owned by the layer whose rule it is (for ``SubmitSms``, ``messages/submission.py``), so the API
    and the service refuse the same objects with the same error.
    """

    name: str
    description: str
    fields: tuple[Field, ...]
    exactly_one_of: tuple[str, ...] = ()
    rule: Callable[[dict[str, Any]], object] | None = None
    names: frozenset[str] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(f.name for f in self.fields))

    def field(self, name: str) -> Field:
        """Return the field whose JSON name is ``name``."""
        return next(f for f in self.fields if f.name == name)

    def parse(self, data: Any, prefix: str = "") -> dict[str, Any]:
        """Validate a decoded JSON value and return ``{attr: value}`` for the fields present.

        :raises ValidationError: the first problem found, naming the field (``items[3].message``).
        """
        if not isinstance(data, dict):
            raise ValidationError(
                f"{prefix or 'the request body'} must be a JSON object",
                field=prefix or None,
                error_type="invalid_body",
            )
        if not self.names.issuperset(data):
            key = next(key for key in data if key not in self.names)
            where = f"{prefix}.{key}" if prefix else key
            raise ValidationError(f"unknown field {key!r}", field=where, error_type="unknown_field")
        return self._collect(data, prefix, query=False)

    def parse_query(self, query: Mapping[str, str], keys: list[str]) -> dict[str, Any]:
        """Validate query parameters; ``keys`` lists every key as sent, so repeats are caught."""
        seen: set[str] = set()
        for key in keys:
            if key not in self.names:
                raise ValidationError(
                    f"unknown query parameter {key!r}", field=key, error_type="unknown_field"
                )
            if key in seen:
                raise ValidationError(f"query parameter {key!r} given twice", field=key)
            seen.add(key)
        return self._collect(dict(query), "", query=True)

    def _collect(self, data: dict[str, Any], prefix: str, *, query: bool) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for spec in self.fields:
            if spec.name not in data:
                if spec.required:
                    where = f"{prefix}.{spec.name}" if prefix else spec.name
                    raise ValidationError(f"{where} is required", field=where, error_type="missing_field")
                continue
            where = f"{prefix}.{spec.name}" if prefix else spec.name
            raw = data[spec.name]
            parsed[spec.attr] = spec.parse_query(raw, where) if query else spec.parse(raw, where)
        if self.rule is not None:
            try:
                self.rule(parsed)
            except ValidationError as exc:
                if not prefix:
                    raise
                field = f"{prefix}.{exc.field}" if exc.field else prefix
                raise ValidationError(exc.message, field=field, error_type=exc.error_type) from None
        return parsed

    def openapi(self) -> JsonObject:
        """Return this object as an OpenAPI 3.1 schema object (closed: unknown fields are refused)."""
        schema: JsonObject = {
            "type": "object",
            "description": self.description,
            "additionalProperties": False,
            "properties": {f.name: f.openapi() for f in self.fields},
        }
        required = [f.name for f in self.fields if f.required]
        if required:
            schema["required"] = required
        if self.exactly_one_of:
            schema["oneOf"] = [{"required": [name]} for name in self.exactly_one_of]
        return schema

    def openapi_parameters(self) -> list[JsonObject]:
        """Return the fields as OpenAPI query parameters (for ``GET`` list endpoints)."""
        return [
            {"name": f.name, "in": "query", "required": f.required, "schema": f.openapi()}
            for f in self.fields
        ]


def _type_error(where: str, expected: str) -> ValidationError:
    return ValidationError(f"{where} must be {expected}", field=where, error_type="invalid_type")


def _parse_string(spec: Field, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _type_error(where, "a string")
    if spec.min_length is not None and len(value) < spec.min_length:
        raise ValidationError(
            f"{where} must be at least {spec.min_length} characters", field=where, error_type="too_short"
        )
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ValidationError(
            f"{where} is longer than {spec.max_length} characters", field=where, error_type="too_long"
        )
    if first_forbidden_character(value) is not None:
        raise ValidationError(
            f"{where} contains a control character", field=where, error_type="invalid_characters"
        )
    if spec.choices is not None and value not in spec.choices:
        raise ValidationError(
            f"{where} must be one of {', '.join(spec.choices)}", field=where, error_type="invalid_value"
        )
    return value


def _parse_text(spec: Field, value: Any, where: str) -> str:
    text = _parse_string(spec, value, where)
    if not text.strip():
        raise ValidationError(f"{where} must not be empty", field=where, error_type="empty_message")
    return text


def _parse_identifier(spec: Field, value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)  # Fineract ids are numbers; the gateway keeps every id as text
    if not isinstance(value, str):
        raise _type_error(where, "a string or a whole number")
    if _ID_VALUE.fullmatch(value) is None:
        raise ValidationError(
            f"{where} must be 1-64 characters of letters, digits, '.', '_', ':' or '-'",
            field=where,
            error_type="invalid_value",
        )
    return value


def _parse_integer(spec: Field, value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _type_error(where, "a whole number")
    if (spec.minimum is not None and value < spec.minimum) or (
        spec.maximum is not None and value > spec.maximum
    ):
        raise ValidationError(
            f"{where} must be between {spec.minimum} and {spec.maximum}",
            field=where,
            error_type="out_of_range",
        )
    return value


def _parse_boolean(spec: Field, value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _type_error(where, "true or false")
    return value


def _parse_datetime(spec: Field, value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise _type_error(where, "an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{where} is not an ISO 8601 date-time", field=where, error_type="invalid_datetime"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(
            f"{where} needs a time zone offset such as Z or +03:00",
            field=where,
            error_type="missing_timezone",
        )
    try:
        in_utc = moment.astimezone(UTC)  # 0001-01-01T00:00+14:00 is before year 1: OverflowError
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST_TIME <= in_utc <= LATEST_TIME:
        raise ValidationError(
            f"{where} must lie between 1970-01-01 and 9999-12-31 UTC", field=where, error_type="out_of_range"
        )
    return moment


def _parse_array(spec: Field, value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _type_error(where, "a JSON array")
    if not value:
        raise ValidationError(f"{where} must not be empty", field=where, error_type="out_of_range")
    if spec.maximum is not None and len(value) > spec.maximum:
        raise ValidationError(
            f"{where} holds {len(value)} items, more than {spec.maximum}",
            field=where,
            error_type="too_many_items",
        )
    return value  # items are parsed one by one by the caller, so that every item's error is reported


_PARSERS: Final = {
    FieldKind.STRING: _parse_string,
    FieldKind.TEXT: _parse_text,
    FieldKind.IDENTIFIER: _parse_identifier,
    FieldKind.INTEGER: _parse_integer,
    FieldKind.BOOLEAN: _parse_boolean,
    FieldKind.DATETIME: _parse_datetime,
    FieldKind.ARRAY: _parse_array,
}

_OPENAPI_TYPES: Final[dict[FieldKind, JsonObject]] = {
    FieldKind.STRING: {"type": "string"},
    FieldKind.TEXT: {"type": "string", "minLength": 1},
    FieldKind.IDENTIFIER: {},
    FieldKind.INTEGER: {"type": "integer"},
    FieldKind.BOOLEAN: {"type": "boolean"},
    FieldKind.DATETIME: {"type": "string", "format": "date-time"},
    FieldKind.ARRAY: {"type": "array"},
}

"""Codecs: every column type to form values and back, exactly, with one clear line on errors."""

from __future__ import annotations

import enum
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Identity,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.elements import Null

from tests.entity_columns import columns_of
from tests.fixture_app.models import Employee, Order, OrderLine, Product, User
from tui.entities.codecs import (
    ArrayCodec,
    BinaryCodec,
    Codec,
    JsonCodec,
    ReadOnlyCodec,
    codec_for,
)
from tui.entities.forms import form_fields, from_form_values, to_form_values
from tui.fields import DEFAULT
from tui.schemas.errors import FieldErrors


def codec(type_: Any, *, nullable: bool = True) -> Codec:
    return codec_for(Column("x", type_, nullable=nullable))


def error_of(c: Codec, value: Any) -> str:
    with pytest.raises(ValueError) as caught:
        c.from_form(value)
    return str(caught.value)


# ----------------------------------------------------------------------------------- text
def test_string_keeps_text_exactly_and_limits_length() -> None:
    c = codec(String(5))
    assert (c.kind, c.max_length, c.text_like) == ("text", 5, True)
    for text in ("", " a b ", "[b]", "é\r\n"):
        assert c.from_form(c.to_form(text)) == text
    assert error_of(c, "abcdef") == "at most 5 characters (this has 6)"
    assert error_of(c, "a\x00") == (
        "contains a NUL character (\\x00), which text columns cannot hold"
    )


def test_text_is_multiline_without_limit() -> None:
    c = codec(Text())
    assert (c.kind, c.max_length) == ("textarea", None)
    assert c.from_form("line\r\nline\n\n") == "line\r\nline\n\n"


# ------------------------------------------------------------------------------- integers
@pytest.mark.parametrize(
    ("type_", "low", "high"),
    [
        (SmallInteger(), -(2**15), 2**15 - 1),
        (Integer(), -(2**31), 2**31 - 1),
        (BigInteger(), -(2**63), 2**63 - 1),
    ],
)
def test_integers_are_range_checked_for_their_type(type_: Any, low: int, high: int) -> None:
    c = codec(type_)
    assert c.from_form(str(low)) == low
    assert c.from_form(f" {high} ") == high
    message = f"must be between {low:,} and {high:,}"
    assert error_of(c, str(high + 1)) == message
    assert error_of(c, str(low - 1)) == message


def test_integer_refuses_what_is_not_a_whole_number() -> None:
    c = codec(Integer())
    for text in ("1.5", "1e3", "x", "1_000", "", "0x10"):
        assert error_of(c, text) == "must be a whole number, e.g. 42"
    assert c.to_form(12) == "12"


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_big_integer_round_trip(value: int) -> None:
    c = codec(BigInteger())
    assert c.from_form(c.to_form(value)) == value


# -------------------------------------------------------------------------------- numeric
def test_numeric_is_exact_decimal() -> None:
    c = codec(Numeric(10, 2))
    assert c.from_form("3.5") == Decimal("3.50")
    assert str(c.from_form("3.5")) == "3.50"
    assert c.from_form("12345678.99") == Decimal("12345678.99")
    assert c.from_form("-0.10") == Decimal("-0.10")
    assert c.from_form("3.500") == Decimal("3.50")  # trailing zeros lose nothing
    assert error_of(c, "3.505") == "at most 2 decimals"
    assert error_of(c, "123456789") == "at most 8 digits before the decimal point"
    assert error_of(c, "1e3") == "must be a decimal number, e.g. 12.50"
    assert error_of(c, "NaN") == "must be a decimal number, e.g. 12.50"
    assert c.to_form(Decimal("1E+2")) == "100"


def test_numeric_never_goes_through_float() -> None:
    c = codec(Numeric(30, 20))
    assert c.from_form("0.10000000000000000001") == Decimal("0.10000000000000000001")


@given(
    st.decimals(
        min_value=Decimal("-99999999.99"),
        max_value=Decimal("99999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_numeric_round_trip(value: Decimal) -> None:
    c = codec(Numeric(10, 2))
    back = c.from_form(c.to_form(value))
    assert back == value
    assert back.as_tuple().exponent == -2


# ---------------------------------------------------------------------------------- float
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trip(value: float) -> None:
    c = codec(Float())
    assert c.from_form(c.to_form(value)) == value


def test_float_errors() -> None:
    c = codec(Float())
    assert c.from_form("2e-3") == 0.002
    assert error_of(c, "nan") == "must be a number, e.g. 1.5 or 2e-3"
    assert error_of(c, "1e400") == "is too large"


# -------------------------------------------------------------------------------- boolean
def test_boolean_switch_or_nullable_select() -> None:
    switch = codec(Boolean(), nullable=False)
    assert switch.kind == "switch"
    assert switch.from_form(True) is True
    assert switch.to_form(0) is False
    select = codec(Boolean(), nullable=True)
    assert select.kind == "select"
    assert select.options == (("yes", True), ("no", False))
    assert select.from_form(False) is False
    assert error_of(select, "yes") == "must be yes or no"


# ------------------------------------------------------------------------- dates and times
def test_date_and_time() -> None:
    d = codec(Date())
    assert d.from_form("2024-02-29") == date(2024, 2, 29)
    assert d.to_form(date(2024, 1, 31)) == "2024-01-31"
    assert error_of(d, "2023-02-29") == "not a date: use YYYY-MM-DD, e.g. 2024-01-31"
    t = codec(Time())
    assert t.from_form("09:30") == time(9, 30)
    assert t.to_form(time(9, 30, 15)) == "09:30:15"
    assert error_of(t, "25:00") == "not a time: use HH:MM or HH:MM:SS, e.g. 09:30"
    assert error_of(t, "09:30+01:00") == (
        "this column stores times without a time zone: leave out the offset"
    )


def test_naive_datetime_refuses_an_offset() -> None:
    c = codec(DateTime())
    assert c.from_form("2024-01-31T09:30:00") == datetime(2024, 1, 31, 9, 30)
    assert c.from_form("2024-01-31 09:30") == datetime(2024, 1, 31, 9, 30)
    assert c.to_form(datetime(2024, 1, 31, 9, 30)) == "2024-01-31T09:30:00"
    assert error_of(c, "2024-01-31T09:30:00Z") == (
        "this column stores times without a time zone: leave out the offset"
    )
    assert error_of(c, "31/01/2024") == (
        "not a date and time: use ISO 8601, e.g. 2024-01-31T09:30:00"
    )


def test_aware_datetime_needs_and_keeps_the_offset() -> None:
    c = codec(DateTime(timezone=True))
    parsed = c.from_form("2024-01-31T09:30:00+01:00")
    assert parsed == datetime(2024, 1, 31, 8, 30, tzinfo=UTC)  # the same instant, in UTC
    assert parsed.tzinfo is UTC
    assert c.from_form("2024-01-31T08:30:00Z") == parsed
    assert error_of(c, "2024-01-31T09:30:00") == (
        "needs a UTC offset, e.g. 2024-01-31T09:30:00+01:00 (or Z)"
    )
    # SQLite hands back the stored UTC time without its offset
    assert c.to_form(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05+00:00"
    tokyo = timezone(timedelta(hours=9))
    assert c.to_form(datetime(2024, 1, 2, 3, 4, tzinfo=tokyo)) == "2024-01-02T03:04:00+09:00"


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_aware_datetime_round_trip(value: datetime, offset_minutes: int) -> None:
    c = codec(DateTime(timezone=True))
    aware = value.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    assert c.from_form(c.to_form(aware)) == aware


@given(st.datetimes())
def test_naive_datetime_round_trip(value: datetime) -> None:
    c = codec(DateTime())
    assert c.from_form(c.to_form(value)) == value


# ----------------------------------------------------------------------------------- enum
class Colour(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark blue"


def test_enum_of_strings_is_a_select_of_its_values() -> None:
    c = codec(Enum("a", "b", name="ab"))
    assert (c.kind, c.options) == ("select", (("a", "a"), ("b", "b")))
    assert c.from_form("b") == "b"
    assert error_of(c, "c") == "must be one of a, b"


def test_enum_class_gives_members_labelled_by_value() -> None:
    for type_ in (Enum(Colour, name="colour"), Enum(Colour, native_enum=False)):
        c = codec(type_)
        assert c.options == (("red", "RED"), ("dark blue", "DARK_BLUE"))
        assert c.from_form("DARK_BLUE") is Colour.DARK_BLUE
        assert c.to_form(Colour.RED) == "RED"
        assert c.to_form("dark blue") == "DARK_BLUE"  # a plain value read back
    by_value = codec(Enum(Colour, values_callable=lambda e: [m.value for m in e]))
    assert by_value.options == (("red", "red"), ("dark blue", "dark blue"))
    assert by_value.from_form("dark blue") is Colour.DARK_BLUE
    assert by_value.to_form(Colour.DARK_BLUE) == "dark blue"


def test_fixture_enums() -> None:
    availability = codec_for(Product.__table__.c.availability)
    assert [v for _, v in availability.options] == ["in_stock", "backorder", "discontinued"]
    assert availability.from_form("backorder") == "backorder"
    status = codec_for(Order.__table__.c.status)
    assert status.from_form("paid") == "paid"


# ----------------------------------------------------------------------------------- JSON
def test_json_is_pretty_validated_text() -> None:
    c = codec(JSON())
    assert c.kind == "textarea"
    assert c.to_form({"a": [1, "é"]}) == '{\n  "a": [\n    1,\n    "é"\n  ]\n}'
    assert c.from_form('{"[bold]": "\\u001b[31m"}') == {"[bold]": "\x1b[31m"}
    assert c.from_form("null") is None  # JSON null, not SQL NULL
    assert error_of(c, '{\n  "a" 1}') == (
        "not valid JSON: line 2 column 7: Expecting ':' delimiter"
    )
    assert error_of(c, "[NaN]") == "not valid JSON: NaN is not a JSON number"
    assert error_of(c, "  ") == "not valid JSON: empty (use null for a JSON null)"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_json_round_trip(value: Any) -> None:
    c = codec(JSONB())
    assert c.from_form(c.to_form(value)) == value


# ----------------------------------------------------------------------------------- UUID
@given(st.uuids())
def test_uuid_round_trip(value: uuid.UUID) -> None:
    c = codec(Uuid())
    assert c.from_form(c.to_form(value)) == value


def test_uuid_errors_and_string_uuids() -> None:
    c = codec(Uuid())
    assert error_of(c, "123") == "not a UUID: e.g. 123e4567-e89b-12d3-a456-426614174000"
    text = codec(Uuid(as_uuid=False))
    assert text.from_form("00000000000040008000000000000001") == (
        "00000000-0000-4000-8000-000000000001"
    )


# ---------------------------------------------------------------------------------- array
def test_array_as_json_list_with_checked_items() -> None:
    c = codec(ARRAY(String(3)))
    assert isinstance(c, ArrayCodec)
    assert c.to_form(["bath", "é"]) == '["bath", "é"]'
    assert c.from_form('["abc", null]') == ["abc", None]
    assert error_of(c, '{"a": 1}') == 'must be a JSON list, e.g. ["a", "b"]'
    assert error_of(c, '["ok", "long"]') == "item 2: at most 3 characters (this has 4)"
    assert error_of(c, "[1]") == "item 1: must be a string"
    assert error_of(c, "[1,") == "not valid JSON: line 1 column 4: Expecting value"
    numbers = codec(ARRAY(Integer()))
    assert numbers.from_form("[1, -2]") == [1, -2]
    assert error_of(numbers, '["1"]') == "item 1: must be a number"
    assert error_of(numbers, "[1.5]") == "item 1: must be a whole number, e.g. 42"
    prices = codec(ARRAY(Numeric(10, 2)))
    assert prices.to_form([Decimal("1.50"), None]) == '["1.50", null]'
    # read from the text, never through float (which would round this to 0.1)
    assert error_of(prices, "[0.10000000000000000001]") == "item 1: at most 2 decimals"
    assert prices.from_form('["1.50", 2.25]') == [Decimal("1.50"), Decimal("2.25")]
    assert error_of(prices, "[2.255]") == "item 1: at most 2 decimals"
    floats = codec(ARRAY(Float()))
    assert floats.from_form("[0.1, 2]") == [0.1, 2.0]
    grid = codec(ARRAY(Integer(), dimensions=2))
    assert grid.from_form("[[1, 2], [3]]") == [[1, 2], [3]]


@given(st.lists(st.text(max_size=50).filter(lambda s: "\x00" not in s) | st.none()))
def test_array_round_trip(value: list[str | None]) -> None:
    c = codec(ARRAY(String(50)))
    assert c.from_form(c.to_form(value)) == value


def test_variant_is_chosen_by_dialect() -> None:
    """`resolve_type` reads SQLAlchemy's private `_variant_mapping`: this fails if it goes."""
    keywords = Product.__table__.c.keywords
    assert isinstance(codec_for(keywords), JsonCodec)
    assert isinstance(codec_for(keywords, "postgresql"), ArrayCodec)
    assert isinstance(codec_for(keywords, "sqlite"), JsonCodec)
    assert isinstance(codec_for(Product.__table__.c.attributes, "postgresql").type, JSONB)


# ------------------------------------------------------------------------ binary, unknown
def test_binary_is_a_read_only_preview() -> None:
    c = codec(LargeBinary())
    assert isinstance(c, BinaryCodec) and c.read_only
    assert c.to_form(b"\x89PNG\r\n\x1a\n\x00\xff") == "10 bytes: 89 50 4e 47 0d 0a 1a 0a …"
    assert c.to_form(b"ab") == "2 bytes: 61 62"
    assert c.to_form(b"") == "0 bytes"
    assert c.to_form(b"a") == "1 byte: 61"
    assert error_of(c, "61") == "binary values cannot be edited in a form"


class Lowercase(TypeDecorator[str]):
    impl = String(20)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return str


class Tagged(TypeDecorator[Any]):
    """A decorator whose Python values are not its impl's (it converts them)."""

    impl = Text()
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else ("tagged", value)


def test_unknown_types_are_read_only_text_unless_they_hold_str() -> None:
    interval = codec(Interval())
    assert isinstance(interval, ReadOnlyCodec)
    assert interval.to_form(timedelta(days=1)) == "1 day, 0:00:00"
    lower = codec(Lowercase())
    assert lower.kind == "text" and not lower.read_only
    assert lower.from_form("Ab") == "Ab"
    assert isinstance(codec(Tagged()), ReadOnlyCodec)


# ------------------------------------------------------------- fields and values of a table
def test_form_fields_of_products() -> None:
    fields = {f.name: f for f in form_fields(columns_of(Product.__table__), new=True)}
    assert fields["id"].generated and not fields["id"].read_only
    assert fields["sku"].required and fields["sku"].max_length == 32
    assert fields["description"].kind == "textarea" and fields["description"].nullable
    assert fields["availability"].kind == "select" and fields["availability"].generated
    assert fields["attributes"].kind == "textarea"
    assert fields["thumbnail"].read_only
    edit = {f.name: f for f in form_fields(columns_of(Product.__table__), new=False)}
    assert edit["id"].read_only and not edit["id"].generated
    assert not edit["sku"].generated


def test_computed_and_always_identity_are_read_only() -> None:
    fields = {f.name: f for f in form_fields(columns_of(OrderLine.__table__), new=True)}
    assert fields["line_total"].read_only and fields["line_total"].generated
    assert fields["line_total"].help == "computed by the database"
    assert not fields["order_id"].read_only  # a composite key is typed on insert
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, Identity(always=True), primary_key=True),
        Column("n", Integer, Identity()),
    )
    always, by_default = form_fields(columns_of(table), new=True)
    assert always.read_only and not by_default.read_only
    assert from_form_values(columns_of(table), {"id": "1", "n": "2"}, new=True) == {"n": 2}


def test_to_form_values_keeps_null_and_shows_text() -> None:
    columns = columns_of(Employee.__table__)
    row = {
        "id": 7,
        "full_name": "[b]Ann",
        "email": "a@x",
        "manager_id": None,
        "hired_on": date(2024, 1, 2),
        "shift_starts_at": time(8, 0),
        "salary": Decimal("1000.50"),
        "last_badge_at": None,
    }
    assert to_form_values(columns, row, labels={"manager_id": "Bob"}) == {
        "id": "7",
        "full_name": "[b]Ann",
        "email": "a@x",
        "manager_id": None,
        "hired_on": "2024-01-02",
        "shift_starts_at": "08:00:00",
        "salary": "1000.50",
        "last_badge_at": None,
    }
    assert to_form_values(columns, {"manager_id": 3}, labels={"manager_id": "Bob"}) == {
        "manager_id": (3, "Bob")
    }


def test_from_form_values_reports_every_bad_field_at_once() -> None:
    columns = columns_of(Product.__table__)
    values = {
        "sku": "x" * 33,
        "name": "",
        "price": "1.234",
        "weight_kg": "heavy",
        "units_sold": "",
        "availability": DEFAULT,
        "attributes": '{"a": }',
        "keywords": None,
        "description": None,
    }
    with pytest.raises(FieldErrors) as caught:
        from_form_values(columns, values, new=True)
    assert caught.value.errors == {
        "sku": "at most 32 characters (this has 33)",
        "price": "at most 2 decimals",
        "weight_kg": "must be a number, e.g. 1.5 or 2e-3",
        "attributes": "not valid JSON: line 1 column 7: Expecting value",
    }


def test_from_form_values_for_insert_and_update() -> None:
    columns = columns_of(Product.__table__)
    values = {
        "id": DEFAULT,
        "sku": "S-1",
        "name": "",  # the empty string is a value
        "description": None,
        "price": "3.5",
        "weight_kg": "",  # blank number: NULL
        "units_sold": "",  # blank generated: the database's default
        "availability": "backorder",
        "attributes": None,
        "keywords": '["a"]',
        "thumbnail": "10 bytes: 89 50 …",
        "version": DEFAULT,
    }
    parsed = from_form_values(columns, values, new=True)
    attributes = parsed.pop("attributes")
    assert isinstance(attributes, Null)  # SQL NULL, not JSON null
    assert parsed == {
        "sku": "S-1",
        "name": "",
        "description": None,
        "price": Decimal("3.50"),
        "weight_kg": None,
        "availability": "backorder",
        "keywords": ["a"],
    }
    # an edit: the key and binary are never written; NULL where none is allowed is an error
    assert from_form_values(columns, {"id": "9", "price": "0"}, new=False) == {
        "price": Decimal("0.00")
    }
    with pytest.raises(FieldErrors) as caught:
        from_form_values(columns, {"price": None, "units_sold": ""}, new=False)
    assert caught.value.errors == {
        "price": "required: this column cannot be NULL",
        "units_sold": "required: this column cannot be NULL",
    }


def test_from_form_values_user_and_order() -> None:
    user = columns_of(User.__table__)
    parsed = from_form_values(
        user,
        {
            "id": "00000000-0000-4000-8000-0000000000aa",
            "email": "new@example.com",
            "is_active": False,
            "created_at": "2024-05-06T07:08:09-02:00",
            "country_code": "FR",
            "deleted_at": None,
        },
        new=True,
    )
    assert parsed == {
        "id": uuid.UUID("00000000-0000-4000-8000-0000000000aa"),
        "email": "new@example.com",
        "is_active": False,
        "created_at": datetime(2024, 5, 6, 9, 8, 9, tzinfo=UTC),
        "country_code": "FR",
        "deleted_at": None,
    }
    order = columns_of(Order.__table__)
    key = uuid.uuid4()
    assert from_form_values(order, {"customer_id": key, "status": "paid"}, new=True) == {
        "customer_id": key,  # a picker's key arrives as the Python value
        "status": "paid",
    }
    assert json.loads(codec_for(Product.__table__.c.keywords).to_form(["a"])) == ["a"]

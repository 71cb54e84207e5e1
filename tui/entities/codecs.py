"""Codecs: a SQLAlchemy column's values to form values and back, exactly.

`codec_for(column)` picks a `Codec` from the column's type. A codec knows the form field kind
(text, textarea, select, switch), its options and length limit, how to show a stored value
(`to_form`) and how to read what was typed (`from_form`, which raises `ValueError` with one
clear line). Form values are text for text-like kinds, the option value for selects and a
`bool` for switches; None (NULL) is handled by the caller (`tui.entities.forms`), never here.

Numbers are parsed from their text (`Numeric` as `Decimal`, never through `float`), date/times
as ISO 8601, JSON as pretty text, arrays as JSON lists. Binary values and types the form cannot
edit are shown read-only.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, types
from sqlalchemy.engine import Dialect

if TYPE_CHECKING:
    from tui.fields import FieldKind

BINARY_PREVIEW_BYTES = 8
INTEGER_RANGES: dict[type[types.Integer], tuple[int, int]] = {
    types.SmallInteger: (-(2**15), 2**15 - 1),
    types.BigInteger: (-(2**63), 2**63 - 1),
    types.Integer: (-(2**31), 2**31 - 1),
}
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class Codec:
    """How one column type is edited in a form (see the module docstring)."""

    kind: FieldKind = "text"
    read_only: bool = False
    #: Text kinds keep "" as a value; for every other codec a blank field means NULL.
    text_like: bool = False
    hint: str = ""

    def __init__(self, type_: types.TypeEngine[Any]) -> None:
        self.type = type_
        self.options: tuple[tuple[str, Any], ...] = ()
        self.max_length: int | None = None

    def to_form(self, value: Any) -> Any:
        """The form value showing `value` (not None)."""
        return str(value)

    def from_form(self, value: Any) -> Any:
        """The Python value for what the form holds (not None); `ValueError` when invalid."""
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.type!r})"


class TextCodec(Codec):
    """`String(n)` (one line) and `Text` (a text area): kept exactly as typed."""

    text_like = True

    def __init__(self, type_: types.TypeEngine[Any], *, multiline: bool = False) -> None:
        super().__init__(type_)
        self.kind = "textarea" if multiline else "text"
        self.max_length = getattr(type_, "length", None)

    def from_form(self, value: Any) -> str:
        text = str(value)
        if "\x00" in text:
            raise ValueError("contains a NUL character (\\x00), which text columns cannot hold")
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError(f"at most {self.max_length:,} characters (this has {len(text):,})")
        return text


class IntegerCodec(Codec):
    """Whole numbers, range-checked for the column's integer type."""

    def __init__(self, type_: types.TypeEngine[Any]) -> None:
        super().__init__(type_)
        self.low, self.high = next(
            bounds for kind, bounds in INTEGER_RANGES.items() if isinstance(type_, kind)
        )

    def from_form(self, value: Any) -> int:
        text = str(value).strip()
        if not _INTEGER.fullmatch(text):
            raise ValueError("must be a whole number, e.g. 42")
        number = int(text)
        if not self.low <= number <= self.high:
            raise ValueError(f"must be between {self.low:,} and {self.high:,}")
        return number


class NumericCodec(Codec):
    """`Numeric(p, s)` as an exact `Decimal`: at most `s` decimals and `p` digits."""

    def __init__(self, type_: types.Numeric[Any]) -> None:
        super().__init__(type_)
        self.precision: int | None = type_.precision
        self.scale: int | None = type_.scale
        if self.precision is not None and self.scale is not None:
            self.hint = f"a decimal number: up to {self.precision - self.scale} digits, "
            self.hint += f"{self.scale} decimals"

    def to_form(self, value: Any) -> str:
        return format(value if isinstance(value, Decimal) else Decimal(str(value)), "f")

    def from_form(self, value: Any) -> Decimal:
        text = str(value).strip()
        if not _DECIMAL.fullmatch(text):
            raise ValueError("must be a decimal number, e.g. 12.50")
        number = Decimal(text)
        if self.scale is not None:
            exact = number.quantize(Decimal(1).scaleb(-self.scale))
            if exact != number:
                raise ValueError(f"at most {self.scale} decimals")
            number = exact
        if self.precision is not None:
            whole = self.precision - (self.scale or 0)
            digits = len(str(abs(int(number)))) if int(number) else 0
            if digits > whole:
                raise ValueError(f"at most {whole} digits before the decimal point")
        return number


class FloatCodec(Codec):
    """Floating point numbers; shown with the shortest text that reads back the same."""

    def to_form(self, value: Any) -> str:
        return repr(float(value))

    def from_form(self, value: Any) -> float:
        text = str(value).strip()
        if not _FLOAT.fullmatch(text):
            raise ValueError("must be a number, e.g. 1.5 or 2e-3")
        number = float(text)
        if number in (float("inf"), float("-inf")):
            raise ValueError("is too large")
        return number


class BooleanCodec(Codec):
    """A switch; a nullable boolean is a select yes / no (blank: NULL)."""

    def __init__(self, type_: types.TypeEngine[Any], *, nullable: bool) -> None:
        super().__init__(type_)
        if nullable:
            self.kind = "select"
            self.options = (("yes", True), ("no", False))
        else:
            self.kind = "switch"

    def to_form(self, value: Any) -> bool:
        return bool(value)

    def from_form(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError("must be yes or no")
        return value


class DateCodec(Codec):
    hint = "a date: YYYY-MM-DD"

    def to_form(self, value: Any) -> str:
        return value.isoformat()

    def from_form(self, value: Any) -> date:
        text = str(value).strip()
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            raise ValueError("not a date: use YYYY-MM-DD, e.g. 2024-01-31") from None
        return parsed


class DateTimeCodec(Codec):
    """ISO 8601. A column with a time zone needs an offset (stored in UTC, the same instant:
    SQLite keeps no offset); a column without one refuses it."""

    def __init__(self, type_: types.DateTime) -> None:
        super().__init__(type_)
        self.aware = bool(type_.timezone)
        if self.aware:
            self.hint = "date and time with a UTC offset: 2024-01-31T09:30:00+01:00 (or Z)"
        else:
            self.hint = "date and time without offset: 2024-01-31T09:30:00"

    def to_form(self, value: Any) -> str:
        if self.aware and value.tzinfo is None:  # SQLite returns UTC without its offset
            value = value.replace(tzinfo=UTC)
        return value.isoformat()

    def from_form(self, value: Any) -> datetime:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            example = "2024-01-31T09:30:00" + ("+01:00" if self.aware else "")
            raise ValueError(f"not a date and time: use ISO 8601, e.g. {example}") from None
        if self.aware:
            if parsed.tzinfo is None:
                raise ValueError("needs a UTC offset, e.g. 2024-01-31T09:30:00+01:00 (or Z)")
            return parsed.astimezone(UTC)
        if parsed.tzinfo is not None:
            raise ValueError("this column stores times without a time zone: leave out the offset")
        return parsed


class TimeCodec(Codec):
    hint = "a time: HH:MM or HH:MM:SS"

    def __init__(self, type_: types.Time) -> None:
        super().__init__(type_)
        self.aware = bool(type_.timezone)

    def to_form(self, value: Any) -> str:
        return value.isoformat()

    def from_form(self, value: Any) -> time:
        text = str(value).strip()
        try:
            parsed = time.fromisoformat(text)
        except ValueError:
            raise ValueError("not a time: use HH:MM or HH:MM:SS, e.g. 09:30") from None
        if self.aware and parsed.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 09:30+01:00")
        if not self.aware and parsed.tzinfo is not None:
            raise ValueError("this column stores times without a time zone: leave out the offset")
        return parsed


class EnumCodec(Codec):
    """A select of the enum's values; a Python `Enum` class gives its members."""

    kind = "select"

    def __init__(self, type_: types.Enum) -> None:
        super().__init__(type_)
        stored: list[str] = list(type_.enums)
        enum_class = type_.enum_class
        self.members: dict[str, Any] = {}
        if enum_class is not None:
            # the stored strings pair with the members in declaration order (as SQLAlchemy does)
            self.members = dict(zip(stored, enum_class.__members__.values(), strict=False))
        self.options = tuple((self._label(key), key) for key in stored)

    def _label(self, key: str) -> str:
        member = self.members.get(key)
        if member is not None and isinstance(member.value, str):
            return member.value
        return key

    def to_form(self, value: Any) -> str:
        if isinstance(value, enum.Enum):
            for key, member in self.members.items():
                if member is value:
                    return key
        text = str(value)
        for key, member in self.members.items():  # a plain value for an enum class
            if text == getattr(member, "value", None):
                return key
        return text

    def from_form(self, value: Any) -> Any:
        key = self.to_form(value)
        if key not in option_values(self.options):
            choices = ", ".join(label for label, _ in self.options)
            raise ValueError(f"must be one of {choices}")
        return self.members.get(key, key)


def _json_error(error: json.JSONDecodeError) -> ValueError:
    return ValueError(f"not valid JSON: line {error.lineno} column {error.colno}: {error.msg}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name} is not a JSON number")


def parse_json(text: str, *, exact: bool = False) -> Any:
    """`json.loads` that names the line and column of a mistake and refuses NaN/Infinity;
    with `exact`, numbers with a fraction are read as `Decimal`."""
    try:
        return json.loads(
            text, parse_constant=_refuse_constant, parse_float=Decimal if exact else float
        )
    except json.JSONDecodeError as error:
        raise _json_error(error) from None


class JsonCodec(Codec):
    """JSON/JSONB as validated, pretty text. The text ``null`` is JSON null; the form's NULL
    is SQL NULL (`tui.entities.forms` writes `sqlalchemy.null()` for it)."""

    kind = "textarea"
    hint = "JSON"

    def to_form(self, value: Any) -> str:
        return json.dumps(value, indent=2, ensure_ascii=False)

    def from_form(self, value: Any) -> Any:
        text = str(value)
        if not text.strip():
            raise ValueError("not valid JSON: empty (use null for a JSON null)")
        return parse_json(text)


class ArrayCodec(Codec):
    """A PostgreSQL ARRAY as a JSON list: ``["bath", "toy"]``; items checked by their type."""

    kind = "textarea"

    def __init__(self, type_: types.ARRAY[Any]) -> None:
        super().__init__(type_)
        self.item = _codec_for_type(type_.item_type, nullable=True)
        self.dimensions = type_.dimensions or 1
        self.hint = 'a JSON list, e.g. ["a", "b"]'

    def to_form(self, value: Any) -> str:
        return json.dumps(self._plain(value), ensure_ascii=False)

    def _plain(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [self._plain(item) for item in value]
        if value is None or isinstance(value, bool | int | float | str):
            return value
        return self.item.to_form(value)

    def from_form(self, value: Any) -> list[Any]:
        parsed = parse_json(str(value), exact=True)  # items are read from their text
        if not isinstance(parsed, list):
            raise ValueError('must be a JSON list, e.g. ["a", "b"]')
        return self._items(parsed, self.dimensions, "")

    def _items(self, items: list[Any], depth: int, where: str) -> list[Any]:
        result: list[Any] = []
        for index, item in enumerate(items, start=1):
            place = f"{where}{index}"
            if depth > 1 and isinstance(item, list):
                result.append(self._items(item, depth - 1, f"{place}."))
            elif item is None:
                result.append(None)
            else:
                try:
                    result.append(self._item(item))
                except ValueError as error:
                    raise ValueError(f"item {place}: {error}") from None
        return result

    def _item(self, item: Any) -> Any:
        codec = self.item
        if isinstance(codec, BooleanCodec):
            if not isinstance(item, bool):
                raise ValueError("must be true or false")
            return item
        if isinstance(codec, NumericCodec) and isinstance(item, str):
            return codec.from_form(item)  # shown as text, to stay exact
        if isinstance(codec, IntegerCodec | FloatCodec | NumericCodec):
            if isinstance(item, bool) or not isinstance(item, int | Decimal):
                raise ValueError("must be a number")
            return codec.from_form(str(item))
        if not isinstance(item, str):
            raise ValueError("must be a string")
        return codec.from_form(item)


class UuidCodec(Codec):
    hint = "a UUID, e.g. 123e4567-e89b-12d3-a456-426614174000"

    def from_form(self, value: Any) -> Any:
        try:
            parsed = uuid.UUID(str(value).strip())
        except ValueError:
            raise ValueError("not a UUID: e.g. 123e4567-e89b-12d3-a456-426614174000") from None
        return parsed if getattr(self.type, "as_uuid", True) else str(parsed)


def binary_preview(value: bytes) -> str:
    """``12 bytes: 89 50 4e 47 0d 0a 1a 0a …``: the size and the first bytes in hex."""
    data = bytes(value)
    size = f"{len(data):,} byte{'s' if len(data) != 1 else ''}"
    if not data:
        return size
    head = " ".join(f"{byte:02x}" for byte in data[:BINARY_PREVIEW_BYTES])
    return f"{size}: {head}" + (" …" if len(data) > BINARY_PREVIEW_BYTES else "")


class BinaryCodec(Codec):
    """Binary: shown by size and a hex preview, never edited as text."""

    read_only = True
    hint = "binary: not editable here"

    def to_form(self, value: Any) -> str:
        return binary_preview(value)

    def from_form(self, value: Any) -> Any:
        raise ValueError("binary values cannot be edited in a form")


class ReadOnlyCodec(Codec):
    """A type the form does not know: shown with `str()`, not editable."""

    read_only = True
    hint = "shown as text: this type cannot be edited here"

    def from_form(self, value: Any) -> Any:
        raise ValueError(f"{self.type} values cannot be edited in a form")


def _python_type(type_: types.TypeEngine[Any]) -> type | None:
    try:
        return type_.python_type
    except NotImplementedError:
        return None


def _codec_for_type(type_: types.TypeEngine[Any], *, nullable: bool) -> Codec:
    from tui.entities.introspect import base_type

    type_ = base_type(type_)
    codec: Codec
    if isinstance(type_, types.Enum):
        codec = EnumCodec(type_)
    elif isinstance(type_, types.Boolean):
        codec = BooleanCodec(type_, nullable=nullable)
    elif isinstance(type_, types.ARRAY):
        codec = ArrayCodec(type_)
    elif isinstance(type_, types.JSON):
        codec = JsonCodec(type_)
    elif isinstance(type_, types.LargeBinary) or _python_type(type_) is bytes:
        codec = BinaryCodec(type_)
    elif isinstance(type_, types.Uuid):
        codec = UuidCodec(type_)
    elif isinstance(type_, types.DateTime):
        codec = DateTimeCodec(type_)
    elif isinstance(type_, types.Date):
        codec = DateCodec(type_)
    elif isinstance(type_, types.Time):
        codec = TimeCodec(type_)
    elif isinstance(type_, types.Float):
        codec = FloatCodec(type_)
    elif isinstance(type_, types.Numeric):
        codec = NumericCodec(type_)
    elif isinstance(type_, types.Integer):
        codec = IntegerCodec(type_)
    elif isinstance(type_, types.String):
        codec = TextCodec(type_, multiline=isinstance(type_, types.Text))
    elif _python_type(type_) is str:
        codec = TextCodec(type_)
    else:
        codec = ReadOnlyCodec(type_)
    return codec


def resolve_type(
    type_: types.TypeEngine[Any], dialect: Dialect | str | None = None
) -> types.TypeEngine[Any]:
    """The type a column has on `dialect` (a backend name such as "postgresql", or a
    `Dialect`): its `with_variant` variant for that backend, else `type_` itself.

    SQLAlchemy exposes no public lookup that leaves the variant unadapted (`dialect_impl`
    turns `Text` into a dialect's private string type), so this reads the one private
    attribute `_variant_mapping`; `tests/unit/test_entity_codecs.py` fails if it disappears.
    """
    name = dialect if isinstance(dialect, str) or dialect is None else dialect.name
    if not name:
        return type_
    variants: dict[str, types.TypeEngine[Any]] = getattr(type_, "_variant_mapping", {})
    return variants.get(name, type_)


def codec_for(column: Column[Any], dialect: Dialect | str | None = None) -> Codec:
    """The codec editing `column`'s values; with `dialect` ("postgresql", "sqlite" or a
    `Dialect`), its variant for that backend is used (e.g. a JSON column that is an ARRAY
    on PostgreSQL); without, the column's own type."""
    type_ = resolve_type(column.type, dialect)
    return _codec_for_type(type_, nullable=bool(column.nullable))


def option_values(options: Sequence[tuple[str, Any]]) -> list[Any]:
    """The values of (label, value) options."""
    return [value for _, value in options]

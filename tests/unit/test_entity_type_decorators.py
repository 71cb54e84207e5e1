"""Columns whose type is a `TypeDecorator` (SQLModel's ``AutoString``, an application's own
wrappers) are shown, edited, searched and sorted as the type they store."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.types import TypeDecorator

from tui.entities.codecs import codec_for
from tui.entities.introspect import entity_from_table


class TrimmedString(TypeDecorator[str]):
    """An application's own string type that passes values through, as SQLModel's AutoString
    does (it only picks the dialect's string type)."""

    impl = String
    cache_ok = True


def items_table() -> Table:
    return Table(
        "item",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("title", TrimmedString(120), nullable=False),
        Column("note", TrimmedString(), nullable=True),
    )


def test_a_decorated_string_is_edited_as_text_with_its_length() -> None:
    table = items_table()
    codec = codec_for(table.c.title)
    assert codec.kind == "text"
    assert codec.max_length == 120
    assert codec.from_form("  padded  ") == "  padded  "


def test_a_decorated_string_is_searched_labelled_and_measured() -> None:
    spec = entity_from_table(items_table())
    assert spec.search_columns == ("title", "note")
    assert spec.label_column == "title"
    assert spec.column("title").max_length == 120

"""Introspection of the fixture application's models into entity specs (no database)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from tests.fixture_app.models import Base
from tui.entities.introspect import entities_from_metadata, entity_from_table, humanize
from tui.entities.spec import ForeignKeySpec

SPECS = entities_from_metadata(Base.metadata, Base.registry)


def test_every_table_is_an_entity_with_human_labels() -> None:
    assert set(SPECS) == set(Base.metadata.tables)
    assert SPECS["order_lines"].label == "Order lines"
    assert SPECS["CamelCase"].label == "Camel case"
    assert SPECS["user"].column("created_at").label == "created at"
    assert humanize("MixedColumn") == "mixed column"


def test_keys_and_labels_of_rows() -> None:
    lines = SPECS["order_lines"]
    assert lines.primary_key == ("order_id", "line_no")
    row = {"order_id": 1, "line_no": 2, "product_id": 3}
    assert lines.key_of(row) == (1, 2)
    assert lines.label_column is None
    assert lines.label_of(row) == "(1, 2)"
    countries = SPECS["countries"]
    assert countries.label_column == "name"  # unique and not null, preferred over the key
    assert countries.label_of({"code": "FR", "name": "France"}) == "France"
    assert SPECS["order"].label_column == "note"  # not the foreign key ship_to
    products = SPECS["products"]
    assert products.label_of({"id": 7, "sku": None}) == "7"


def test_column_flags() -> None:
    products = SPECS["products"]
    assert products.column("id").generated and products.column("id").primary_key
    assert products.column("units_sold").generated  # server default
    assert not products.column("name").generated
    assert products.column("sku").unique and products.column("sku").indexed
    assert products.column("sku").max_length == 32
    line_total = SPECS["order_lines"].column("line_total")
    assert line_total.computed and line_total.generated
    assert SPECS["employees"].column("id").generated  # Identity()
    assert SPECS["user"].column("id").generated  # a Python default (uuid4)
    assert not SPECS["employees"].column("salary").indexed
    assert SPECS["employees"].column("salary").nullable
    assert SPECS["order_lines"].column("order_id").indexed  # leads the primary key
    assert not SPECS["order_lines"].column("line_no").indexed
    assert not SPECS["order_lines"].column("product_id").unique  # only with order_id
    assert SPECS["audit_log"].column("occurred_at").indexed


def test_foreign_keys_and_backlinks_both_ways() -> None:
    customer = SPECS["order"].column("customer_id").foreign_key
    assert customer == ForeignKeySpec(
        "fk_order_customer_id_user", ("customer_id",), "user", ("id",), "RESTRICT"
    )
    assert SPECS["order"].column("ship_to").foreign_key.ondelete is None  # type: ignore[union-attr]
    assert {(b.source, b.foreign_key.columns) for b in SPECS["countries"].backlinks} == {
        ("order", ("ship_to",)),
        ("user", ("country_code",)),
    }
    employees = SPECS["employees"]
    assert [(b.source, b.foreign_key.ondelete) for b in employees.backlinks] == [
        ("employees", "SET NULL")
    ]
    assert employees.foreign_keys[0].target == "employees"


def test_many_to_many_from_mappers_or_from_the_association_table() -> None:
    (courses,) = SPECS["students"].many_to_many
    assert (courses.name, courses.via, courses.target) == ("courses", "enrollments", "courses")
    assert courses.local.columns == ("student_id",) and courses.remote.columns == ("course_id",)
    without_mappers = entities_from_metadata(Base.metadata)
    (guessed,) = without_mappers["courses"].many_to_many
    assert (guessed.name, guessed.via, guessed.target) == ("students", "enrollments", "students")
    assert without_mappers["order_lines"].many_to_many == ()  # its key is not two FKs only
    assert SPECS["enrollments"].primary_key == ("student_id", "course_id")  # listed too


def test_read_only_version_and_soft_delete() -> None:
    assert SPECS["audit_log"].read_only_reason == (
        "no primary key: rows cannot be told apart, so it is browsed read-only"
    )
    assert SPECS["products"].version_column == "version"
    assert entities_from_metadata(Base.metadata)["products"].version_column is None
    assert SPECS["user"].soft_delete_column == "deleted_at"
    assert SPECS["employees"].soft_delete_column is None
    assert SPECS["user"].search_columns == ("email", "display_name", "bio", "country_code")
    assert "availability" not in SPECS["products"].search_columns  # an enum


def test_alembics_version_table_is_read_only() -> None:
    metadata = MetaData()
    Table("alembic_version", metadata, Column("version_num", String(32), primary_key=True))
    reason = entities_from_metadata(metadata)["alembic_version"].read_only_reason
    assert reason is not None and "the Migrations screen (4)" in reason


def test_views_and_other_schemas() -> None:
    metadata = MetaData()
    parent = Table("parent", metadata, Column("id", Integer, primary_key=True), schema="shop")
    Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey(parent.c.id)),
        Column("name", String(10)),
    )
    specs = entities_from_metadata(metadata, views=["child"])
    assert set(specs) == {"shop.parent", "child"}
    assert specs["child"].is_view and specs["child"].primary_key == ()
    assert specs["child"].read_only_reason == "a view: its rows are browsed read-only"
    assert specs["child"].foreign_keys[0].target == "shop.parent"
    assert entity_from_table(parent, schema="shop").name == "parent"

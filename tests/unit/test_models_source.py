"""`load_models`: an application's tables from ``PACKAGE.MODULE:ATTR``, errors as one line."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData
from sqlalchemy.orm import configure_mappers

from tui.entities.models_source import ModelsSourceError, load_models

FIXTURE_TABLES = {
    "CamelCase",
    "audit_log",
    "countries",
    "courses",
    "employees",
    "enrollments",
    "order",
    "order_lines",
    "products",
    "students",
    "user",
}


@pytest.fixture
def project(isolated_environment: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The working directory (a new temporary folder) to write tiny packages to; `sys.path`
    and the modules imported from it are restored afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield isolated_environment
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(isolated_environment)):
            del sys.modules[name]


def write(folder: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")


SHOP = {
    "shop/__init__.py": "",
    "shop/models.py": """
        from sqlalchemy import ForeignKey, String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

        class Base(DeclarativeBase):
            pass

        class Customer(Base):
            __tablename__ = "customers"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(50))
            invoices: Mapped[list["Invoice"]] = relationship(back_populates="customer")

        class Invoice(Base):
            __tablename__ = "invoices"
            id: Mapped[int] = mapped_column(primary_key=True)
            customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
            customer: Mapped[Customer] = relationship(back_populates="invoices")
    """,
}


def test_the_fixture_application_from_its_declarative_base() -> None:
    loaded = load_models("tests.fixture_app.models:Base")
    assert set(loaded.metadata.tables) == FIXTURE_TABLES
    assert "MixedColumn" in loaded.metadata.tables["CamelCase"].c
    assert loaded.registry is not None
    mappers = {mapper.class_.__name__: mapper for mapper in loaded.registry.mappers}
    products = loaded.metadata.tables["products"]
    assert mappers["Product"].version_id_col is products.c.version
    courses = mappers["Student"].relationships["courses"]
    assert courses.secondary is loaded.metadata.tables["enrollments"]
    assert mappers["Employee"].relationships["manager"].mapper is mappers["Employee"]


def test_a_metadata_attribute_path() -> None:
    from tests.fixture_app.models import Base

    loaded = load_models("tests.fixture_app.models:Base.metadata")
    assert loaded.metadata is Base.metadata
    assert loaded.registry is None


def test_the_working_directory_comes_first_on_the_import_path(project: Path) -> None:
    write(project, SHOP)
    loaded = load_models("shop.models:Base")
    assert set(loaded.metadata.tables) == {"customers", "invoices"}
    assert sys.path[0] == str(project)
    assert loaded.registry is not None
    assert {mapper.class_.__name__ for mapper in loaded.registry.mappers} == {
        "Customer",
        "Invoice",
    }


@pytest.mark.parametrize(
    ("source", "has_registry"),
    [
        (
            """
            from sqlalchemy import Column, Integer, MetaData, Table
            metadata = MetaData()
            Table("things", metadata, Column("id", Integer, primary_key=True))

            class Holder:  # any object with a .metadata
                pass

            Target = Holder()
            Target.metadata = metadata
            """,
            False,
        ),
        (
            """
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base
            Target = declarative_base()

            class Thing(Target):
                __tablename__ = "things"
                id = Column(Integer, primary_key=True)
            """,
            True,
        ),
    ],
    ids=["object-with-metadata", "legacy-declarative-base"],
)
def test_other_kinds_of_target(project: Path, source: str, has_registry: bool) -> None:
    write(project, {"things.py": source})
    loaded = load_models("things:Target")
    assert set(loaded.metadata.tables) == {"things"}
    assert (loaded.registry is not None) is has_registry


def test_sqlmodel(project: Path) -> None:
    write(
        project,
        {
            "heroes.py": """
                from sqlmodel import Field, SQLModel

                class Hero(SQLModel, table=True):
                    __tablename__ = "fixture_heroes"
                    id: int | None = Field(default=None, primary_key=True)
                    name: str
            """
        },
    )
    loaded = load_models("heroes:SQLModel")
    assert "fixture_heroes" in loaded.metadata.tables
    assert isinstance(loaded.metadata, MetaData)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "fixture_app.models:Base",
            "cannot import fixture_app.models: No module named 'fixture_app'",
        ),
        ("tests.fixture_app.models:Bsae", "tests.fixture_app.models has no attribute Bsae"),
        (
            "tests.fixture_app.models:Base.tables",
            "tests.fixture_app.models has no attribute Base.tables",
        ),
        (
            "tests.fixture_app.models:OrderStatus",
            "OrderStatus is neither a DeclarativeBase, a MetaData nor has a .metadata",
        ),
        (
            "tests.fixture_app.models",
            "expected PACKAGE.MODULE:ATTR, got 'tests.fixture_app.models'",
        ),
        (":Base", "expected PACKAGE.MODULE:ATTR, got ':Base'"),
    ],
)
def test_a_wrong_target_is_one_clear_line(project: Path, target: str, message: str) -> None:
    with pytest.raises(ModelsSourceError) as raised:
        load_models(target)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            'raise RuntimeError("settings invalid:\\n  DATABASE_URL\\x1b[31m missing\\r\\n")',
            "cannot import broken: RuntimeError: settings invalid: DATABASE_URL\\x1b[31m missing",
        ),
        ("def (:\n", "cannot import broken: SyntaxError: invalid syntax (broken.py, line 1)"),
        ("import sys\nsys.exit(3)\n", "cannot import broken: SystemExit: 3"),
        (
            "import no_such_dependency\n",
            "cannot import broken: No module named 'no_such_dependency'",
        ),
    ],
    ids=["raises", "syntax-error", "exits", "missing-dependency"],
)
def test_a_module_that_fails_to_import_is_one_safe_line(
    project: Path, source: str, message: str
) -> None:
    write(project, {"broken.py": source})
    with pytest.raises(ModelsSourceError) as raised:
        load_models("broken:Base")
    assert str(raised.value) == message


def test_mappers_that_cannot_configure_are_one_line_and_leave_others_working(
    project: Path,
) -> None:
    write(
        project,
        {
            **SHOP,
            "dangling.py": """
                from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

                class Base(DeclarativeBase):
                    pass

                class Thing(Base):
                    __tablename__ = "dangling_things"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    owner = relationship("NoSuchClass")
            """,
        },
    )
    with pytest.raises(ModelsSourceError) as raised:
        load_models("dangling:Base")
    line = str(raised.value)
    assert line.startswith("cannot configure the mappers of dangling:Base: ")
    assert "NoSuchClass" in line
    assert "\n" not in line

    # dbtui configures every mapper of the process at start-up: the failure must not linger
    configure_mappers()
    loaded = load_models("shop.models:Base")
    assert loaded.registry is not None

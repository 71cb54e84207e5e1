"""Load an application's SQLAlchemy models from a ``PACKAGE.MODULE:ATTR`` target (``--models``).

ATTR (dotted paths allowed) is a `DeclarativeBase` subclass (or a legacy `declarative_base()`),
a `MetaData`, or any object with a ``.metadata`` such as SQLModel's ``SQLModel``. The current
working directory goes first on ``sys.path``, as alembic and uvicorn do, so a project's own
packages import from where dbtui is started. Every failure is one `ModelsSourceError` whose
``str()`` is a single line safe to show.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import registry as Registry

from tui.cells import escape_control

USAGE = "PACKAGE.MODULE:ATTR"


class ModelsSourceError(Exception):
    """A models target that cannot be loaded; ``str()`` is one line without control characters."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


@dataclass(frozen=True, slots=True)
class LoadedModels:
    """The tables of a models target, and its mappers when it is a declarative class (their
    version counters, relationships and association tables)."""

    metadata: MetaData
    registry: Registry | None


def load_models(target: str) -> LoadedModels:
    """Import `target` (``PACKAGE.MODULE:ATTR``) and return its tables (and mappers)."""
    module_name, attribute = _split(target)
    _working_directory_first()
    found = _attribute(_import(module_name), module_name, attribute)
    metadata = found if isinstance(found, MetaData) else getattr(found, "metadata", None)
    if not isinstance(metadata, MetaData):
        raise ModelsSourceError(
            f"{attribute} is neither a DeclarativeBase, a MetaData nor has a .metadata"
        )
    mappers = getattr(found, "registry", None)
    if not isinstance(mappers, Registry):
        return LoadedModels(metadata, None)
    try:
        mappers.configure()
    except Exception as error:
        # A mapper that failed to configure fails every later configuration in the process
        # (dbtui's own models included): forget these.
        mappers.dispose()
        raise ModelsSourceError(
            f"cannot configure the mappers of {target.strip()}: {_reason(error)}"
        ) from error
    return LoadedModels(metadata, mappers)


def _split(target: str) -> tuple[str, str]:
    module_name, _, attribute = target.strip().partition(":")
    if not module_name or not attribute:
        raise ModelsSourceError(f"expected {USAGE}, got {target!r}")
    return module_name, attribute


def _working_directory_first() -> None:
    cwd = os.getcwd()
    if sys.path[:1] != [cwd]:
        sys.path.insert(0, cwd)
    # the project's files may be newer than the import system's directory listings
    importlib.invalidate_caches()


def _import(module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except (Exception, SystemExit) as error:
        raise ModelsSourceError(f"cannot import {module_name}: {_reason(error)}") from error


def _attribute(module: ModuleType, module_name: str, attribute: str) -> Any:
    found: Any = module
    try:
        for name in attribute.split("."):
            found = getattr(found, name)
    except AttributeError:
        raise ModelsSourceError(f"{module_name} has no attribute {attribute}") from None
    return found


def _reason(error: BaseException) -> str:
    """The error's own words; its type too unless it is an import error (they say it all)."""
    if isinstance(error, ImportError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _one_line(text: str) -> str:
    return escape_control(" ".join(text.split()))

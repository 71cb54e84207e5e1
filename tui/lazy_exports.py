"""Package attributes loaded from their submodule on first use (PEP 562 `__getattr__`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_getattr(
    package: str, sources: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `package.<sources[name]>` when `name` is first read
    and caches the value in `namespace` (the package's globals)."""

    def __getattr__(name: str) -> Any:
        if name not in sources:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{sources[name]}"), name)
        namespace[name] = value
        return value

    return __getattr__

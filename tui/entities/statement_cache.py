"""Built list statements kept for reuse: SQLAlchemy then finds their compiled form without
rebuilding the statement and its cache key."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select

#: How many statements are kept (the least recently used go first).
STATEMENT_CACHE_SIZE = 512
_STATEMENTS: OrderedDict[tuple[Any, ...], Select[Any]] = OrderedDict()


def cached_statement(key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
    """The statement `build()` made for `key`, reused while it stays among the
    `STATEMENT_CACHE_SIZE` most recent. `key` must say everything the statement depends on
    (table, dialect, query, part of the ordering)."""
    cached = _STATEMENTS.get(key)
    if cached is not None:
        _STATEMENTS.move_to_end(key)
        return cached
    statement = _STATEMENTS[key] = build()
    if len(_STATEMENTS) > STATEMENT_CACHE_SIZE:
        _STATEMENTS.popitem(last=False)
    return statement

"""What the SQL console does with a statement, apart from streaming rows (`tui.sql.stream`):
run a write, count what a write would change (a rolled-back dry run), explain a statement as a
tree, and say where in the statement an error is."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.db.errors import driver_error
from tui.sql.statements import runs_outside_transaction
from tui.sql.stream import Canceller, QueryCancelled, RowsResult, _close, literal_sql

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.session import SessionManager

#: Rows of a write's RETURNING kept for display.
RETURNING_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What a write did: rows changed (None when the driver does not say), RETURNING rows."""

    rowcount: int | None
    rows: RowsResult | None


@dataclass(slots=True)
class PlanNode:
    """One node of a query plan."""

    label: str
    children: list[PlanNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SqlProblem:
    """The database's message for a failed statement and, when known, where it points
    (an offset into the statement)."""

    message: str
    position: int | None


class SqlRunner:
    """Runs writes, dry runs and plans on the manager's engine; `cancel()` stops the current
    one (a write is rolled back)."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        self._canceller: Canceller | None = None

    async def cancel(self) -> None:
        if self._canceller is not None:
            await self._canceller.cancel()

    @asynccontextmanager
    async def _cancellable(self, conn: AsyncConnection) -> AsyncIterator[None]:
        """While the body runs on `conn`, `cancel()` stops its statement, which then raises
        `QueryCancelled`; `conn` is detached before it goes back to the pool."""
        canceller = self._canceller = Canceller(self.manager)
        try:
            await canceller.attach(conn)
            yield
        except BaseException:
            if canceller.cancelled:
                raise QueryCancelled("cancelled") from None
            raise
        finally:
            canceller.detach()
            self._canceller = None

    async def write(self, sql: str) -> WriteOutcome:
        """Run `sql` in a write transaction; committed when it succeeds. A statement that
        cannot run in a transaction (VACUUM) runs on its own."""
        if runs_outside_transaction(sql):
            return await self._write_alone(sql)
        async with self.manager.session() as session:
            conn = await session.connection()
            async with self._cancellable(conn):
                result = await conn.execute(literal_sql(sql))
                rows = None
                if result.returns_rows:
                    columns = list(result.keys())
                    held = [tuple(r) for r in result.fetchmany(RETURNING_LIMIT)]
                    rows = RowsResult(columns, held)
                    result.close()
                count = result.rowcount if result.rowcount is not None else -1
        return WriteOutcome(count if count >= 0 else None, rows)

    async def _write_alone(self, sql: str) -> WriteOutcome:
        """Run `sql` with no transaction around it (SQLite: no BEGIN; PostgreSQL:
        autocommit). Nothing to roll back: such statements change no rows."""
        from tui.db.session import NO_TRANSACTION

        conn = await self.manager.engine.connect()
        try:
            if conn.dialect.name == "sqlite":
                conn = await conn.execution_options(**{NO_TRANSACTION: True})
            else:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            async with self._cancellable(conn):
                await conn.execute(literal_sql(sql))
        finally:
            await _close(conn)
        return WriteOutcome(None, None)

    async def dry_run(self, sql: str) -> int | None:
        """How many rows `sql` would change: run inside a transaction that is rolled back.
        None when the driver cannot tell (DDL)."""
        from tui.db.session import WRITE_TRANSACTION

        conn = await self.manager.engine.connect()
        try:
            conn = await conn.execution_options(**{WRITE_TRANSACTION: True})
            async with self._cancellable(conn):
                await conn.begin()
                result = await conn.execute(literal_sql(sql))
                count = result.rowcount
                if result.returns_rows:
                    result.close()
        finally:
            await _close(conn)  # rolls back
        return count if isinstance(count, int) and count >= 0 else None

    async def explain(self, sql: str) -> PlanNode:
        """The plan of `sql` as a tree (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (FORMAT json)
        on PostgreSQL); nothing is executed."""
        async with self.manager.read_session() as session:
            conn = await session.connection()
            async with self._cancellable(conn):
                if conn.dialect.name == "sqlite":
                    result = await conn.execute(literal_sql(f"EXPLAIN QUERY PLAN {sql}"))
                    return sqlite_plan([tuple(r) for r in result])
                result = await conn.execute(
                    literal_sql(f"EXPLAIN (ANALYZE off, FORMAT json) {sql}")
                )
                return postgres_plan(result.scalar_one())


def sqlite_plan(rows: list[tuple[Any, ...]]) -> PlanNode:
    """A tree from EXPLAIN QUERY PLAN rows (id, parent, notused, detail)."""
    root = PlanNode("QUERY PLAN")
    nodes: dict[int, PlanNode] = {0: root}
    for row in rows:
        node_id, parent, detail = int(row[0]), int(row[1]), str(row[-1])
        node = PlanNode(detail)
        nodes.get(parent, root).children.append(node)
        nodes[node_id] = node
    return root


def postgres_plan(document: Any) -> PlanNode:
    """A tree from EXPLAIN (FORMAT json) output."""
    data = json.loads(document) if isinstance(document, str) else document
    top = data[0] if isinstance(data, list) else data
    root = PlanNode("QUERY PLAN")
    root.children.append(_pg_node(top["Plan"]))
    return root


def _pg_node(plan: dict[str, Any]) -> PlanNode:
    label = str(plan.get("Node Type", "?"))
    if plan.get("Join Type"):
        label = f"{plan['Join Type']} {label}"
    if plan.get("Relation Name"):
        label += f" on {plan['Relation Name']}"
        if plan.get("Alias") and plan["Alias"] != plan["Relation Name"]:
            label += f" {plan['Alias']}"
    if plan.get("Index Name"):
        label += f" using {plan['Index Name']}"
    for key in ("Index Cond", "Hash Cond", "Filter", "Sort Key"):
        if plan.get(key):
            value = plan[key]
            label += f" ({key}: {', '.join(value) if isinstance(value, list) else value})"
    label += f"  cost={plan.get('Startup Cost', 0)}..{plan.get('Total Cost', 0)}"
    label += f" rows={plan.get('Plan Rows', '?')}"
    node = PlanNode(label)
    node.children.extend(_pg_node(child) for child in plan.get("Plans", ()))
    return node


_SQLITE_NEAR = re.compile(r'near "((?:[^"]|"")*)"|no such (?:column|table|function): ([\w.]+)')


def describe_problem(
    error: BaseException, sql: str, secrets: list[str] | None = None
) -> SqlProblem:
    """The database's message for `error` and the offset in `sql` it points at, if any:
    PostgreSQL's error position, or the token of SQLite's `near "…"`."""
    message = driver_error(error, secrets)
    position: int | None = None
    current: BaseException | None = error
    seen: list[BaseException] = []
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        raw = getattr(current, "position", None)
        if raw not in (None, ""):
            try:
                position = int(raw) - 1  # PostgreSQL counts characters from 1
            except (TypeError, ValueError):
                position = None
            break
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    if position is None:
        near = _SQLITE_NEAR.search(message)
        if near is not None:
            token = (near.group(1) or "").replace('""', '"') or near.group(2) or ""
            found = _find_token(sql, token)
            position = found if found >= 0 else None
    if position is not None and not 0 <= position <= len(sql):
        position = None
    return SqlProblem(message, position)


def _find_token(sql: str, token: str) -> int:
    """Where `token` stands in `sql` as a word of its own (first such place), else -1."""
    if not token:
        return -1
    for match in re.finditer(re.escape(token), sql):
        before = sql[match.start() - 1] if match.start() > 0 else " "
        if not (before.isalnum() or before == "_"):
            return match.start()
    return sql.find(token)

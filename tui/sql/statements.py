"""Statements of a buffer: where each one starts and ends, which one is under the cursor, what
kind it is, and where an offset sits as (line, column). Pure text work, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["query", "write"]

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
#: Statements that read and return rows (streamed); everything else may write.
_QUERY = re.compile(
    r"^(?:SELECT|VALUES|TABLE|EXPLAIN|SHOW|PRAGMA\s+(?:\w+\.)?\w+\s*(?:\(\s*[^)]*\))?\s*$|"
    r"WITH\s+(?![\s\S]*\b(?:INSERT|UPDATE|DELETE|MERGE)\b))",
    re.IGNORECASE,
)
#: Statements whose row count a dry run can tell (DDL and maintenance have none).
_CHANGES_ROWS = re.compile(r"^(?:INSERT|UPDATE|DELETE|MERGE|REPLACE|UPSERT|WITH)\b", re.IGNORECASE)
#: Statements the databases refuse inside a transaction block: run on their own (autocommit).
_OUTSIDE_TRANSACTION = re.compile(
    r"^(?:VACUUM|(?:CREATE|DROP)\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|REINDEX\b[^;]*\bCONCURRENTLY|"
    r"(?:CREATE|DROP)\s+DATABASE|ALTER\s+SYSTEM)\b",
    re.IGNORECASE,
)
_LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*[\s\S]*?\*/)*")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a buffer: its text (without the `;`) and its span in the buffer."""

    text: str
    start: int
    end: int

    @property
    def kind(self) -> Kind:
        return statement_kind(self.text)


def strip_leading_comments(sql: str) -> str:
    """`sql` without the comments and blanks before its first word."""
    return sql[_LEADING_COMMENTS.match(sql).end() :]  # type: ignore[union-attr]


_EXPLAIN_ANALYZE = re.compile(
    r"^EXPLAIN\s*(?:\([^)]*\bANALYZE\b(?!\s+(?:off|false|0)\b)|ANALYZE\b)", re.IGNORECASE
)


def statement_kind(sql: str) -> Kind:
    """The kind of `sql`: "query" when it only reads rows, else "write". `EXPLAIN ANALYZE`
    runs its statement, so it is a write (asked for like one)."""
    body = strip_leading_comments(sql)
    if _EXPLAIN_ANALYZE.match(body):
        return "write"
    return "query" if _QUERY.match(body) else "write"


def split_statements(buffer: str) -> list[Statement]:
    """The statements of `buffer`, split at `;` outside quotes, comments and dollar quotes.
    Blank statements (only spaces or comments) are left out."""
    statements: list[Statement] = []
    start = 0
    i = 0
    n = len(buffer)
    while i < n:
        char = buffer[i]
        if char in ("'", '"', "`"):
            close = buffer.find(char, i + 1)
            while close != -1 and close + 1 < n and buffer[close + 1] == char:  # '' escapes
                close = buffer.find(char, close + 2)
            i = n if close == -1 else close + 1
            continue
        if char == "[":  # SQLite's [quoted name]
            close = buffer.find("]", i + 1)
            i = n if close == -1 else close + 1
            continue
        if buffer.startswith("--", i):
            close = buffer.find("\n", i)
            i = n if close == -1 else close + 1
            continue
        if buffer.startswith("/*", i):
            close = buffer.find("*/", i + 2)
            i = n if close == -1 else close + 2
            continue
        if char == "$":
            tag = _DOLLAR_TAG.match(buffer, i)
            if tag is not None:
                close = buffer.find(tag.group(), tag.end())
                i = n if close == -1 else close + len(tag.group())
                continue
        if char == ";":
            _add(statements, buffer, start, i)
            start = i + 1
        i += 1
    _add(statements, buffer, start, n)
    return statements


def _add(statements: list[Statement], buffer: str, start: int, end: int) -> None:
    piece = buffer[start:end]
    body = strip_leading_comments(piece)
    if not body.strip():
        return
    begin = start + len(piece) - len(body)
    text = body.rstrip()
    statements.append(Statement(text, begin, begin + len(text)))


def statement_at(buffer: str, offset: int) -> Statement | None:
    """The statement under `offset` (a cursor): the one it is in, else the nearest one before
    it (the cursor just after `select 1;`), else the first one after it."""
    statements = split_statements(buffer)
    if not statements:
        return None
    before = [s for s in statements if s.start <= offset]
    return before[-1] if before else statements[0]


def offset_of(buffer: str, line: int, column: int) -> int:
    """The offset in `buffer` of a (0-based) line and column."""
    lines = buffer.split("\n")
    line = max(0, min(line, len(lines) - 1))
    return sum(len(text) + 1 for text in lines[:line]) + min(column, len(lines[line]))


def location_of(buffer: str, offset: int) -> tuple[int, int]:
    """The (0-based) line and column of `offset` in `buffer`."""
    head = buffer[: max(0, min(offset, len(buffer)))]
    line = head.count("\n")
    return line, len(head) - (head.rfind("\n") + 1)


def changes_rows(sql: str) -> bool:
    """True for statements that change rows (INSERT, UPDATE, DELETE, MERGE, a WITH … of
    them): those a dry run can count. DDL and maintenance (VACUUM) are not dry-run."""
    return bool(_CHANGES_ROWS.match(strip_leading_comments(sql)))


def runs_outside_transaction(sql: str) -> bool:
    """True for statements that cannot run inside a transaction (VACUUM on both backends;
    on PostgreSQL also CREATE/DROP INDEX CONCURRENTLY, CREATE/DROP DATABASE, ALTER SYSTEM)."""
    return bool(_OUTSIDE_TRANSACTION.match(strip_leading_comments(sql)))

"""Stream a view's rows to CSV or JSON, page by page, without holding the table in memory."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

FORMATS = ("csv", "json")
#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would run it as a formula (OWASP's
    advice): the cell then shows the text as it is stored."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def format_for(path: Path) -> str:
    """The export format implied by a file name (`.json` → json, anything else → csv)."""
    return "json" if path.suffix.lower() == ".json" else "csv"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _csv_cell(value: Any, protect_formulas: bool) -> Any:
    value = _plain(value)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if value is None:
        return ""
    if protect_formulas and isinstance(value, str):  # numbers stay numbers: -5 is no formula
        return neutralise_formula(value)
    return value


async def export_rows(
    path: Path,
    columns: Sequence[str],
    pages: AsyncIterator[Sequence[Sequence[Any]]],
    progress: Callable[[int], None] | None = None,
    *,
    protect_formulas: bool = True,
) -> int:
    """Write every page of rows to `path` (format from its suffix); returns the row count.

    In CSV, text cells that a spreadsheet would run as a formula are neutralised
    (`neutralise_formula`) unless `protect_formulas` is False; JSON is written as stored.

    The file is written to a temporary name and renamed at the end, so a failed export never
    leaves a half-written file behind.
    """
    path = Path(path).expanduser()
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder does not exist: {path.parent}")
    kind = format_for(path)
    tmp = path.with_name(f".{path.name}.part")
    written = 0
    try:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle) if kind == "csv" else None
            if writer is not None:
                writer.writerow(columns)
            else:
                handle.write("[")
            async for page in pages:
                for row in page:
                    if writer is not None:
                        writer.writerow([_csv_cell(v, protect_formulas) for v in row])
                    else:
                        record = {c: _plain(v) for c, v in zip(columns, row, strict=True)}
                        handle.write(("\n" if written == 0 else ",\n") + json.dumps(record))
                    written += 1
                if progress is not None:
                    progress(written)
            if writer is None:
                handle.write("\n]\n" if written else "]\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return written

"""History of executed statements and the editor's buffer, per database, in the user's data
directory (platformdirs; `DBTUI_DATA_DIR` overrides it). One JSON line per statement; the
buffer is a plain file next to it. Files are read and written in worker threads."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_VARIABLE = "DBTUI_DATA_DIR"
#: Entries kept per database (older ones are dropped when the file is rewritten).
MAX_ENTRIES = 1000


def data_dir() -> Path:
    """dbtui's folder in the user's data directory (or `$DBTUI_DATA_DIR`)."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("dbtui", appauthor=False))


def database_key(masked_url: str) -> str:
    """A file-name-safe key for one database (its masked URL: no password in it)."""
    return hashlib.sha256(masked_url.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One executed statement: when (epoch seconds), what, and how it ended."""

    at: float
    sql: str
    outcome: str


class History:
    """The statements run on one database, newest last."""

    def __init__(self, masked_url: str, folder: Path | None = None) -> None:
        base = (folder or data_dir()) / "sql"
        key = database_key(masked_url)
        self.path = base / f"{key}.history.jsonl"
        self.buffer_path = base / f"{key}.buffer.sql"
        self.masked_url = masked_url

    def add(self, sql: str, outcome: str) -> HistoryEntry:
        """Append `sql` (blocking: call from a thread)."""
        entry = HistoryEntry(time.time(), sql, outcome)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": entry.at, "sql": sql, "outcome": outcome, "db": self.masked_url})
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return entry

    def entries(self) -> list[HistoryEntry]:
        """Every entry, newest first (blocking)."""
        if not self.path.is_file():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
                entries.append(HistoryEntry(float(data["at"]), str(data["sql"]), data["outcome"]))
            except (ValueError, KeyError, TypeError):
                continue  # a damaged line: skip it
        if len(entries) > MAX_ENTRIES:
            entries = entries[-MAX_ENTRIES:]
        return entries[::-1]

    def search(self, words: str) -> list[HistoryEntry]:
        """Entries whose statement holds every word of `words` (any case), newest first."""
        terms = words.lower().split()
        return [e for e in self.entries() if all(t in e.sql.lower() for t in terms)]

    def load_buffer(self) -> str | None:
        """The editor's buffer as last saved (blocking)."""
        if not self.buffer_path.is_file():
            return None
        return self.buffer_path.read_text(encoding="utf-8")

    def save_buffer(self, text: str) -> None:
        """Keep the editor's buffer for the next start (blocking; atomic)."""
        self.buffer_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.buffer_path.with_name(self.buffer_path.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.buffer_path)

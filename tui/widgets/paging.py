"""Bounded, page-aligned window over a large ordered row set (no UI here).

`PagedRows` decides *which* query fetches a missing page and files the answer; `RecordTable`
runs the queries in a worker and draws what is cached. Rows are addressed by their index in the
whole ordered result (0 … total-1); pages are aligned blocks of `page_size` rows. A page is
fetched by keyset from a loaded neighbour whenever possible (cheap at any depth), the last page
with a reverse keyset query, and only a far jump falls back to an offset query. At most
`max_pages` pages are kept (least recently used go first), so memory stays bounded whatever the
table size.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tui.rows import RowSource, TableRow

FetchKind = Literal["first", "after", "before", "last", "at"]


@dataclass(frozen=True, slots=True)
class Fetch:
    """One planned query: which source method, its argument, and where the rows go."""

    kind: FetchKind
    page: int
    limit: int
    key: Any = None
    offset: int = 0

    async def run(self, source: RowSource) -> list[TableRow]:
        """Execute this fetch against `source`."""
        if self.kind in ("first", "after"):
            return list(await source.fetch_after(self.key, self.limit))
        if self.kind in ("before", "last"):
            return list(await source.fetch_before(self.key, self.limit))
        return list(await source.fetch_at(self.offset, self.limit))


@dataclass(slots=True)
class Page:
    """A cached page; `token` changes whenever the page is (re)stored."""

    number: int
    rows: list[TableRow]
    token: int


class PagedRows:
    """Page cache plus the row total, with the planning of the next fetch."""

    def __init__(self, page_size: int = 100, max_pages: int = 8) -> None:
        if page_size < 1 or max_pages < 2:
            raise ValueError("page_size must be >= 1 and max_pages >= 2")
        self.page_size = page_size
        self.max_pages = max_pages
        self._pages: OrderedDict[int, Page] = OrderedDict()
        self._protected: set[int] = set()
        self._use_offset: set[int] = set()
        self._tokens = 0
        self.total = 0
        """Number of rows (exact, estimated, or a lower bound when not `total_known`)."""
        self.total_known = False
        self.estimated = False

    # ----------------------------------------------------------------- queries on the cache
    @property
    def cached_row_count(self) -> int:
        """How many rows are held in memory right now."""
        return sum(len(page.rows) for page in self._pages.values())

    @property
    def cached_pages(self) -> list[int]:
        """Numbers of the cached pages, least recently used first."""
        return list(self._pages)

    def page_of(self, index: int) -> int:
        """The page number holding row `index`."""
        return index // self.page_size

    def has_page(self, number: int) -> bool:
        return number in self._pages

    def get_page(self, number: int) -> Page | None:
        """The cached page `number` (marks it recently used), or None."""
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
        return page

    def row(self, index: int) -> TableRow | None:
        """The row at `index` if cached, else None."""
        if index < 0:
            return None
        page = self.get_page(index // self.page_size)
        if page is None:
            return None
        offset = index - page.number * self.page_size
        return page.rows[offset] if offset < len(page.rows) else None

    @property
    def max_page(self) -> int:
        """The highest page number worth fetching (-1 when the table is known to be empty)."""
        if self.total_known:
            return (self.total - 1) // self.page_size if self.total > 0 else -1
        # Unknown total: allow the page right after what has been seen.
        return self.total // self.page_size

    # ------------------------------------------------------------------------- updating
    def clear(self) -> None:
        """Forget every cached page (the total is kept as a provisional value)."""
        self._pages.clear()
        self._use_offset.clear()

    def reset(self) -> None:
        """Forget pages and the total (a different row set)."""
        self.clear()
        self.total = 0
        self.total_known = False
        self.estimated = False

    def set_count(self, total: int, estimated: bool) -> None:
        """Record the source's count; loaded rows beyond it extend it (rows added meanwhile)."""
        extent = 0
        if self._pages:
            last = max(self._pages)
            extent = last * self.page_size + len(self._pages[last].rows)
        self.total = max(total, extent)
        self.total_known = True
        self.estimated = estimated

    def plan(self, wanted: Sequence[int]) -> Fetch | None:
        """The fetch for the first page in `wanted` (priority order) that is missing."""
        self._protected = set(wanted)
        size = self.page_size
        for number in wanted:
            if number < 0 or number > self.max_page or number in self._pages:
                continue
            if number == 0:
                return Fetch("first", 0, size)
            if number in self._use_offset:
                return Fetch("at", number, size, offset=number * size)
            previous = self._pages.get(number - 1)
            if previous is not None and len(previous.rows) == size:
                return Fetch("after", number, size, key=previous.rows[-1].key)
            following = self._pages.get(number + 1)
            if following is not None and following.rows:
                return Fetch("before", number, size, key=following.rows[0].key)
            if self.total_known and number == self.max_page:
                return Fetch("last", number, self.total - number * size)
            return Fetch("at", number, size, offset=number * size)
        return None

    def apply(self, fetch: Fetch, rows: Sequence[TableRow]) -> None:
        """File the rows answered for `fetch`, adjusting the total where they prove it wrong."""
        size = self.page_size
        if len(rows) > fetch.limit:  # a source that ignored `limit`: keep the relevant end
            backwards = fetch.kind in ("before", "last")
            rows = rows[-fetch.limit :] if backwards else rows[: fetch.limit]
        count = len(rows)
        if fetch.kind == "before":
            if count < fetch.limit:
                # Fewer rows before the neighbour than its index implies: our index space is
                # off (estimated total). Fetch this page by offset instead.
                self._use_offset.add(fetch.page)
                return
            self._put(fetch.page, list(rows))
            return
        if fetch.kind == "last":
            if count < fetch.limit:
                # The table is smaller than believed: these rows are all of it.
                self.clear()
                self._set_end(count)
                self._put_from(0, rows)
            else:
                self._put_from(self.total - count, rows)
            return
        start = fetch.page * size
        if count < fetch.limit:
            self._set_end(start + count)
        elif start + count > self.total:
            self.total = start + count
        if count:
            self._put(fetch.page, list(rows))

    # ---------------------------------------------------------------------------- internals
    def _set_end(self, end: int) -> None:
        self.total = end
        self.total_known = True
        for number in [n for n in self._pages if n * self.page_size >= end]:
            del self._pages[number]
        last = self._pages.get((end - 1) // self.page_size) if end > 0 else None
        if last is not None:
            del last.rows[end - last.number * self.page_size :]

    def _put_from(self, start: int, rows: Iterable[TableRow]) -> None:
        rows = list(rows)
        size = self.page_size
        index = 0
        while index < len(rows):
            number = (start + index) // size
            take = (number + 1) * size - (start + index)
            chunk = rows[index : index + take]
            complete = (start + index) % size == 0 and (
                len(chunk) == size or number * size + len(chunk) >= self.total
            )
            if complete:
                self._put(number, chunk)
            index += take

    def _put(self, number: int, rows: list[TableRow]) -> None:
        self._tokens += 1
        self._pages[number] = Page(number, rows, self._tokens)
        self._pages.move_to_end(number)
        self._evict()

    def _evict(self) -> None:
        excess = len(self._pages) - self.max_pages
        if excess <= 0:
            return
        for number in list(self._pages):
            if excess <= 0:
                break
            if number not in self._protected:
                del self._pages[number]
                excess -= 1

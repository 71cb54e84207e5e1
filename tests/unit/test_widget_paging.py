"""PagedRows: page planning (keyset first, offset only for far jumps) and the LRU bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.rows import TableRow
from tui.widgets.paging import Fetch, PagedRows

TOTAL = 1_000


def rows(start: int, count: int) -> list[TableRow]:
    """Rows as a source would answer them: key = id = position + 1."""
    return [TableRow(key=i + 1, id=i + 1, cells=(i + 1,)) for i in range(start, start + count)]


def answer(fetch: Fetch, total: int = TOTAL) -> list[TableRow]:
    """What a correct source returns for `fetch` over ids 1..total."""
    if fetch.kind in ("first", "after"):
        start = 0 if fetch.key is None else fetch.key
        return rows(start, max(0, min(fetch.limit, total - start)))
    if fetch.kind in ("before", "last"):
        end = total if fetch.key is None else fetch.key - 1
        start = max(0, end - fetch.limit)
        return rows(start, end - start)
    return rows(fetch.offset, max(0, min(fetch.limit, total - fetch.offset)))


def test_first_page_then_keyset_neighbours() -> None:
    paged = PagedRows(page_size=10, max_pages=3)
    fetch = paged.plan([0])
    assert fetch == Fetch("first", 0, 10)
    paged.apply(fetch, answer(fetch))
    assert paged.total == 10 and not paged.total_known
    fetch = paged.plan([1])
    assert fetch is not None and fetch.kind == "after" and fetch.key == 10
    paged.apply(fetch, answer(fetch))
    assert paged.row(15).id == 16


def test_last_page_by_reverse_keyset_and_backwards() -> None:
    paged = PagedRows(page_size=10, max_pages=3)
    paged.set_count(995, estimated=False)
    fetch = paged.plan([99])
    assert fetch == Fetch("last", 99, 5)
    paged.apply(fetch, answer(fetch, 995))
    assert paged.row(994).id == 995 and paged.row(990).id == 991
    fetch = paged.plan([98])
    assert fetch is not None and fetch.kind == "before" and fetch.key == 991
    paged.apply(fetch, answer(fetch, 995))
    assert paged.row(980).id == 981


def test_far_jump_uses_offset() -> None:
    paged = PagedRows(page_size=10, max_pages=3)
    paged.set_count(TOTAL, estimated=False)
    fetch = paged.plan([50])
    assert fetch == Fetch("at", 50, 10, offset=500)
    paged.apply(fetch, answer(fetch))
    assert paged.row(505).id == 506


def test_lru_bound_protects_wanted_pages() -> None:
    paged = PagedRows(page_size=10, max_pages=3)
    paged.set_count(TOTAL, estimated=False)
    for number in range(20):
        fetch = paged.plan([number])
        assert fetch is not None
        paged.apply(fetch, answer(fetch))
        assert paged.cached_row_count <= 30
    assert paged.cached_pages == [17, 18, 19]
    paged.get_page(17)  # recently used
    fetch = paged.plan([40])
    paged.apply(fetch, answer(fetch))
    assert paged.cached_pages == [19, 17, 40]  # 18 was the least recently used


def test_short_page_fixes_the_total() -> None:
    paged = PagedRows(page_size=10, max_pages=3)
    paged.set_count(2_000, estimated=True)  # an overestimate
    fetch = paged.plan([150])
    paged.apply(fetch, answer(fetch))  # offset beyond the real end: no rows
    assert paged.total == 1_500 and paged.total_known
    assert paged.max_page == 149


def test_reverse_keyset_inconsistency_falls_back_to_offset() -> None:
    paged = PagedRows(page_size=10, max_pages=4)
    paged.set_count(1_005, estimated=True)  # an estimate 5 rows too high
    short = Fetch("before", 1, 10, key=6)  # page 2 was placed 5 rows too late
    paged.apply(short, answer(short))  # only 5 rows precede id 6
    assert not paged.has_page(1)
    assert paged.plan([1]) == Fetch("at", 1, 10, offset=10)


def test_invalid_sizes() -> None:
    with pytest.raises(ValueError):
        PagedRows(page_size=0)
    with pytest.raises(ValueError):
        PagedRows(max_pages=1)


def test_rows_beyond_the_limit_are_ignored() -> None:
    paged = PagedRows(page_size=10, max_pages=3)
    paged.set_count(TOTAL, estimated=False)
    fetch = paged.plan([0])
    paged.apply(fetch, rows(0, 25))
    assert paged.cached_row_count == 10 and paged.row(9).id == 10


@pytest.mark.parametrize("total", [0, 1, 9, 10, 11, 95, 100])
def test_walking_every_page_terminates_and_matches(total: int) -> None:
    """Whatever the table size, planning + applying converges and every row is right."""
    paged = PagedRows(page_size=10, max_pages=2)
    paged.set_count(total, estimated=False)
    for number in list(range(paged.max_page + 1))[::-1]:  # from the end, like G then k…
        for _ in range(5):
            fetch = paged.plan([number])
            if fetch is None:
                break
            paged.apply(fetch, answer(fetch, total))
        else:
            raise AssertionError("planning did not converge")
        for index in range(number * 10, min(total, number * 10 + 10)):
            assert paged.row(index).id == index + 1
    assert paged.total == total


@given(
    total=st.integers(min_value=0, max_value=500),
    jumps=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=25),
    know_count=st.booleans(),
)
def test_random_jumps_keep_rows_right_and_memory_bounded(
    total: int, jumps: list[int], know_count: bool
) -> None:
    paged = PagedRows(page_size=10, max_pages=3)
    if know_count:
        paged.set_count(total, estimated=False)
    for page in jumps:
        for _ in range(page + 5):  # unknown totals grow one page at a time
            wanted = [min(page, paged.max_page)]
            fetch = paged.plan(wanted)
            if fetch is None:
                break
            paged.apply(fetch, answer(fetch, total))
        assert paged.cached_row_count <= 30
        for number in paged.cached_pages:
            for index in range(number * 10, number * 10 + 10):
                row = paged.row(index)
                if index < total:
                    assert row is not None and row.id == index + 1
                else:
                    assert row is None

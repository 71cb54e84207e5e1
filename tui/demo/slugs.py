"""Slugs: derived from a title (transliterated to ASCII, lowercase, hyphens) and made unique."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache

from tui.schemas.posts import SLUG_MAX

FALLBACK = "post"
#: Suffix batches probed in turn (``-2`` … ``-20``, then ``-21`` … ``-200``, …).
_BATCHES = ((2, 21), (21, 201), (201, 2001))


@lru_cache(maxsize=4096)  # the seed draws titles from a pool: each is transliterated once
def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """``"Ærøskøbing straße"`` → ``"aeroskobing-strasse"``, ``"Привет мир"`` → ``"privet-mir"``
    (python-slugify transliterates every script); ``"post"`` only if nothing is left (emoji)."""
    from slugify import slugify as transliterate  # python-slugify; imported on first use

    slug = transliterate(title, max_length=max_length, lowercase=True)
    return slug.strip("-") or FALLBACK


def with_suffix(base: str, n: int | str, max_length: int = SLUG_MAX) -> str:
    """``base-n``, with `base` cut so that the result fits in `max_length`."""
    suffix = f"-{n}"
    return base[: max_length - len(suffix)].rstrip("-") + suffix


async def unique_slug(base: str, taken: Callable[[Iterable[str]], Awaitable[set[str]]]) -> str:
    """The first of `base`, `base-2`, `base-3`, … that `taken` (a batch lookup returning the
    candidates already in use) does not report; a random suffix after 2,000 collisions."""
    if base not in await taken([base]):
        return base
    for start, stop in _BATCHES:
        candidates = [with_suffix(base, n) for n in range(start, stop)]
        used = await taken(candidates)
        for candidate in candidates:
            if candidate not in used:
                return candidate
    while True:
        candidate = with_suffix(base, secrets.token_hex(4))
        if candidate not in await taken([candidate]):
            return candidate

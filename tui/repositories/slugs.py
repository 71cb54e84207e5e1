"""Slugs: derived from a title (unicode-normalized, lowercase, hyphens) and made unique."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable, Iterable

from tui.schemas.posts import SLUG_MAX

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
FALLBACK = "post"
#: Suffix batches probed in turn (``-2`` … ``-20``, then ``-21`` … ``-200``, …).
_BATCHES = ((2, 21), (21, 201), (201, 2001))


def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """``"Crème Brûlée: 10 Tips!"`` → ``"creme-brulee-10-tips"``; ``"post"`` if nothing is left."""
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_ALNUM.sub("-", ascii_text).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or FALLBACK


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

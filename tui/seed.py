"""Realistic fake data (faker) written in batched bulk inserts inside one transaction.

Text is drawn from pools generated once per run by a seeded `Faker`, so a million posts cost
seconds of generation rather than minutes, and the same `seed` always yields the same rows.
Ids are assigned here (continuing after the highest existing id), which lets profiles, posts
and post/tag links refer to new rows without a round trip per row; PostgreSQL sequences are
moved past them afterwards.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, insert, inspect, select, text

from tui.db.errors import DbTuiError
from tui.demo.slugs import slugify, with_suffix

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.session import SessionManager

Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`: called as each batch of a stage is written."""

BATCH_SIZE = 10_000
SEED_PASSWORD = "password"
"""Every seeded user's password (hashed once, shared by all seeded users)."""

PROFILE_SHARE = 0.7
PUBLISHED_SHARE = 0.6
TRASHED_SHARE = 0.01
STATUS_WEIGHTS = (("active", 80), ("inactive", 15), ("suspended", 5))
MAX_TAGS_PER_POST = 4
SPREAD = timedelta(days=730)
REQUIRED_TABLES = ("users", "user_profiles", "posts", "tags", "post_tags")


class SeedError(DbTuiError):
    """Seeding cannot start (e.g. the schema is missing); `str()` is safe to show."""


@dataclass(frozen=True, slots=True)
class SeedResult:
    """How many rows of each kind were written, and how long it took."""

    users: int
    profiles: int
    posts: int
    tags: int
    post_tags: int
    seconds: float

    @property
    def rows(self) -> int:
        return self.users + self.profiles + self.posts + self.tags + self.post_tags


def hash_seed_password() -> str:
    """The argon2 hash of `SEED_PASSWORD`, computed once per seeding run."""
    from pwdlib import PasswordHash

    return PasswordHash.recommended().hash(SEED_PASSWORD)


class TextPools:
    """Faker output generated once and sampled per row (fast and deterministic)."""

    def __init__(self, seed: int | None) -> None:
        from faker import Faker

        fake = Faker()
        fake.seed_instance(seed)
        self.first_names = [fake.first_name() for _ in range(400)]
        self.last_names = [fake.last_name() for _ in range(400)]
        self.user_names = [_ascii_word(fake.user_name())[:30] or "user" for _ in range(800)]
        self.domains = [fake.free_email_domain() for _ in range(20)] + [
            fake.domain_name() for _ in range(40)
        ]
        self.cities = [fake.city() for _ in range(300)]
        self.bios = [fake.paragraph(nb_sentences=3) for _ in range(600)]
        self.titles = [fake.sentence(nb_words=7).rstrip(".")[:180] for _ in range(4000)]
        self.paragraphs = [fake.paragraph(nb_sentences=5) for _ in range(2000)]
        self.words = sorted({_ascii_word(fake.word()) for _ in range(3000)} - {""})


@lru_cache(maxsize=4)
def _cached_pools(seed: int) -> TextPools:
    return TextPools(seed)


def _ascii_word(value: str) -> str:
    return re.sub(r"[^a-z0-9_.]", "", value.lower())


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Generator:
    """Row factories for one seeding run."""

    def __init__(self, seed: int | None, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.pools = TextPools(seed) if seed is None else _cached_pools(seed)
        self.now = now
        self.password_hash = hash_seed_password()
        self._statuses = [status for status, _ in STATUS_WEIGHTS]
        self._status_weights = [weight for _, weight in STATUS_WEIGHTS]

    def moment(self) -> datetime:
        return self.now - timedelta(seconds=self.rng.random() * SPREAD.total_seconds())

    def users(self, first_id: int, count: int) -> Iterator[dict[str, Any]]:
        rng, pools = self.rng, self.pools
        statuses = rng.choices(self._statuses, self._status_weights, k=count)
        for offset in range(count):
            uid = first_id + offset
            first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
            username = f"{rng.choice(pools.user_names)}{uid}"
            created = self.moment()
            updated = created + (self.now - created) * rng.random()
            trashed = rng.random() < TRASHED_SHARE
            yield {
                "id": uid,
                "email": f"{username}@{rng.choice(pools.domains)}",
                "username": username,
                "hashed_password": self.password_hash,
                "full_name": f"{first} {last}"[:100],
                "status": statuses[offset],
                "created_at": created,
                "updated_at": updated,
                "deleted_at": updated if trashed else None,
            }

    def profiles(self, first_id: int, user_ids: range) -> Iterator[dict[str, Any]]:
        rng, pools = self.rng, self.pools
        next_id = first_id
        for uid in user_ids:
            if rng.random() >= PROFILE_SHARE:
                continue
            yield {
                "id": next_id,
                "user_id": uid,
                "bio": rng.choice(pools.bios),
                "avatar_url": f"https://i.pravatar.cc/150?u={uid}",
                "location": rng.choice(pools.cities)[:100],
            }
            next_id += 1

    def tags(self, first_id: int, count: int, taken: set[str]) -> list[dict[str, Any]]:
        words = [w for w in self.pools.words if w not in taken]
        self.rng.shuffle(words)
        names: list[str] = []
        serial = 2
        while len(names) < count:
            if words:
                names.append(words.pop())
                continue
            candidate = f"{self.rng.choice(self.pools.words)}-{serial}"
            serial += 1
            if candidate not in taken and candidate not in names:
                names.append(candidate)
        return [{"id": first_id + i, "name": name[:50]} for i, name in enumerate(names)]

    def posts(
        self, first_id: int, count: int, author_ids: Sequence[int]
    ) -> Iterator[dict[str, Any]]:
        rng, pools = self.rng, self.pools
        titles, paragraphs = pools.titles, pools.paragraphs
        for offset in range(count):
            pid = first_id + offset
            title = rng.choice(titles)
            created = self.moment()
            content = "\n\n".join(rng.choices(paragraphs, k=rng.randint(1, 4)))
            yield {
                "id": pid,
                "title": title,
                "slug": with_suffix(slugify(title), pid),
                "content": content,
                "is_published": rng.random() < PUBLISHED_SHARE,
                "author_id": rng.choice(author_ids),
                "created_at": created,
                "updated_at": created,
            }

    def post_tags(self, post_ids: range, tag_ids: list[int]) -> Iterator[dict[str, Any]]:
        rng = self.rng
        most = min(MAX_TAGS_PER_POST, len(tag_ids))
        if most == 0:
            return
        for pid in post_ids:
            for tid in rng.sample(tag_ids, rng.randint(0, most)):
                yield {"post_id": pid, "tag_id": tid}


async def missing_tables(conn: AsyncConnection) -> list[str]:
    """The seeded tables that do not exist in the connected database."""
    names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return [name for name in REQUIRED_TABLES if name not in names]


async def _next_id(conn: AsyncConnection, table: Table) -> int:
    current = (await conn.execute(select(func.max(table.c.id)))).scalar()
    return (current or 0) + 1


async def _fix_sequence(conn: AsyncConnection, table: Table) -> None:
    if conn.dialect.name != "postgresql":
        return
    await conn.execute(
        text(
            "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
        ),
        {"table": table.name},
    )


async def seed(
    manager: SessionManager,
    users: int,
    posts: int,
    tags: int,
    seed: int | None = None,
    progress: Progress | None = None,
    *,
    batch_size: int = BATCH_SIZE,
) -> SeedResult:
    """Add `users` users (~70% with profiles), `tags` tags and `posts` posts (0 to 4 tags each)
    to `manager`'s database in one transaction, `batch_size` rows per executemany.

    Posts need authors: with `posts > 0` and `users == 0`, existing users are used, and
    `SeedError` is raised when there are none. Existing rows are left alone.
    """
    from tui.models import Post, Tag, User, UserProfile, post_tags

    if min(users, posts, tags) < 0:
        raise SeedError("counts must not be negative")
    report = progress or (lambda _stage, _done, _total: None)
    started = time.perf_counter()
    gen = _Generator(seed, datetime.now(UTC).replace(microsecond=0))
    user_t: Table = User.__table__
    profile_t: Table = UserProfile.__table__
    post_t: Table = Post.__table__
    tag_t: Table = Tag.__table__

    async def write(stage: str, table: Table, rows: Iterator[dict[str, Any]], total: int) -> int:
        done = 0
        report(stage, 0, total)
        for batch in _batches(rows, batch_size):
            await conn.execute(insert(table), batch)
            done += len(batch)
            if done < total:
                report(stage, done, total)
        report(stage, done, done)
        return done

    async with manager.engine.begin() as conn:
        missing = await missing_tables(conn)
        if missing:
            raise SeedError(
                f"the database has no {', '.join(missing)} table(s): run migrations first "
                f"(dbtui migrate) ({manager.settings.masked_url})"
            )
        first_user = await _next_id(conn, user_t)
        authors: Sequence[int] = range(first_user, first_user + users)
        if posts and not users:
            authors = list((await conn.execute(select(user_t.c.id))).scalars())
            if not authors:
                raise SeedError("posts need authors: add --users (the database has none)")
        n_users = await write("users", user_t, gen.users(first_user, users), users)
        first_profile = await _next_id(conn, profile_t)
        expected_profiles = round(users * PROFILE_SHARE)
        n_profiles = await write(
            "profiles",
            profile_t,
            gen.profiles(first_profile, range(first_user, first_user + users)),
            expected_profiles,
        )
        taken = set((await conn.execute(select(tag_t.c.name))).scalars())
        tag_rows = gen.tags(await _next_id(conn, tag_t), tags, taken)
        n_tags = await write("tags", tag_t, iter(tag_rows), tags)
        tag_ids = [row["id"] for row in tag_rows]
        if posts and not tag_ids:
            tag_ids = list((await conn.execute(select(tag_t.c.id))).scalars())
        first_post = await _next_id(conn, post_t)
        n_posts = await write("posts", post_t, gen.posts(first_post, posts, authors), posts)
        n_links = await write(
            "post tags",
            post_tags,
            gen.post_tags(range(first_post, first_post + posts), tag_ids),
            posts * min(MAX_TAGS_PER_POST, len(tag_ids)) // 2,
        )
        for table in (user_t, profile_t, tag_t, post_t):
            await _fix_sequence(conn, table)
    return SeedResult(
        users=n_users,
        profiles=n_profiles,
        posts=n_posts,
        tags=n_tags,
        post_tags=n_links,
        seconds=time.perf_counter() - started,
    )


class ProgressBar:
    """A plain-text progress bar rewritten in place on a stream (stderr)."""

    def __init__(self, stream: Any, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._stage: str | None = None
        self._last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self._finish_line()
            self._stage, self._last = stage, -1
        share = done / total if total else 1.0
        percent = int(share * 100)
        if percent == self._last:
            return
        self._last = percent
        if not self.tty and percent != 100:
            return
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{stage:<10} [{bar}] {done:>11,}/{total:,} {percent:3d}%"
        self.stream.write(("\r" if self.tty else "") + line + ("" if self.tty else "\n"))
        self.stream.flush()

    def _finish_line(self) -> None:
        if self._stage is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def close(self) -> None:
        self._finish_line()
        self._stage = None

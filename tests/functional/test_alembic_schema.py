"""The `manager` fixture's schema comes from the real migrations, full-text objects included."""

from __future__ import annotations

from sqlalchemy import text

from tui.db.session import SessionManager


async def test_schema_is_at_head_with_full_text_search(manager: SessionManager) -> None:
    async with manager.session() as session:
        version = (await session.execute(text("select version_num from alembic_version"))).all()
        assert version == [("0003_users_case_insensitive",)]
        await session.execute(
            text(
                "insert into users (email, username, hashed_password) "
                "values ('a@example.com', 'ann', 'x')"
            )
        )
        await session.execute(
            text(
                "insert into posts (title, slug, content, author_id) values "
                "('Gardening tips', 'gardening-tips', 'tomatoes and basil', "
                "(select id from users where username = 'ann'))"
            )
        )
    if manager.settings.is_sqlite:
        query = (
            "select p.slug from posts p join posts_fts f on f.rowid = p.id where posts_fts MATCH :q"
        )
    else:
        query = "select slug from posts where search_vector @@ websearch_to_tsquery('simple', :q)"
    async with manager.session() as session:
        found = (await session.execute(text(query), {"q": "basil"})).scalars().all()
        assert found == ["gardening-tips"]
        await session.execute(text("update posts set content = 'only roses now'"))
        assert (await session.execute(text(query), {"q": "basil"})).scalars().all() == []
        assert (await session.execute(text(query), {"q": "roses"})).scalars().all() == [
            "gardening-tips"
        ]

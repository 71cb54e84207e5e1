"""A small real-world application (shop, staff, training school) that dbtui is tested against.

Its models (`models`), Alembic migrations (`alembic.ini`, `migrations/`), sample rows
(`sample_rows`) and test databases (`databases`, used by the `fixture_database` fixture in
`tests/conftest.py`) are described in README.md beside this file.
"""

"""Shared pytest fixtures. Others add theirs below; keep each block small."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# --- storage (coach/storage): throwaway databases migrated to head -----------------


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file in a temp dir, migrated to head."""
    from coach.storage.db import dispose_engine, upgrade

    url = f"sqlite:///{tmp_path / 'coach.db'}"
    upgrade(url)
    yield url
    dispose_engine(url)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database, migrated to head and dropped afterwards.

    Skipped unless COACH_TEST_POSTGRES_URL names a reachable server, e.g.
    postgresql+psycopg2://postgres@127.0.0.1:5432/coach_test (its database is only
    used to create and drop the throwaway one).
    """
    base = os.environ.get("COACH_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("COACH_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    from coach.storage.db import dispose_engine, masked, upgrade

    admin = sa.create_engine(
        base,
        future=True,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )
    name = f"coach_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError as e:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {masked(base)} is unreachable: {str(e.orig).strip()}")
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        dispose_engine(url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# --- web app (coach/web): the Flask app with test accounts and a fake bot ----------


@pytest.fixture
def bot():
    """A stand-in for Rasa's REST channel that runs the real coach.service."""
    from tests.browser.fakebot import FakeBot

    return FakeBot()


@pytest.fixture
def app(db_url, monkeypatch, bot):
    """The web app on a fresh database with trainees ana, ben and trainer tina."""
    from coach.web import accounts, create_app
    from tests.browser.fakebot import PASSWORD

    monkeypatch.setenv("COACH_DATABASE_URL", db_url)
    monkeypatch.setenv("COACH_SEED", "3")
    monkeypatch.delenv("COACH_COOKIE_SECURE", raising=False)
    for name, role in (("ana", "trainee"), ("ben", "trainee"), ("tina", "trainer")):
        accounts.create_user(name, PASSWORD, role, url=db_url)
    return create_app(
        {
            "DATABASE_URL": db_url,
            "RASA_CLIENT": bot,
            "SECRET_KEY": "test-secret-" + "x" * 40,
            "TESTING": True,
        }
    )

"""Alembic environment for the coach's tables.

Run either by :func:`coach.storage.db.upgrade` (which passes an open connection,
already inside a locked transaction) or by the ``alembic`` command with the
project's alembic.ini (which uses ``sqlalchemy.url`` or, when that is empty,
``COACH_DATABASE_URL``). Only the coach's own tables are compared and migrated:
Rasa's tracker store shares the database and its ``events`` table is left alone.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.future import Connection

from coach import config as coach_config
from coach.storage.db import get_engine
from coach.storage.models import Base, include_object

config = context.config
if config.config_file_name is not None and config.file_config.has_section("loggers"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or coach_config.database_url()


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``)."""
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_with(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    with get_engine(_url()).connect() as conn:
        _run_with(conn)
        conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Engines, transactions and schema migration for the coach's database.

Two processes (the Rasa server and the action server) write the same database,
which on a laptop is one SQLite file. Everything here is arranged so that works:
WAL mode and a long busy timeout, write transactions that take SQLite's write
lock up front (``BEGIN IMMEDIATE``) instead of failing half-way when another
process wrote first, and migrations serialised across processes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.future import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from coach import config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Any constant works; it only has to be the same in every process of the project.
_PG_MIGRATION_LOCK_KEY = 0x636F616368  # "coach"
# Execution option a read-only scope sets so SQLite starts a deferred transaction.
_SQLITE_BEGIN_OPTION = "coach_sqlite_begin"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
_migrated: set[str] = set()
# Alembic keeps its migration context in module globals, so two upgrades in one
# process must not overlap; other processes are kept out by database locks.
_migrate_lock = threading.RLock()


class StorageUnavailable(RuntimeError):
    """The database cannot be reached, so nothing can be stored or read.

    A separate type so the bot can tell "storage is down" (say so, keep the
    conversation going) from a programming error.
    """


def _resolve(url: str | None) -> str:
    return url or config.database_url()


def masked(url: str | URL) -> str:
    """The URL as it may appear in messages and logs: password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<invalid database URL>"


def _unavailable(url: str, reason: object) -> StorageUnavailable:
    text = str(reason).strip().splitlines()
    return StorageUnavailable(
        f"database at {masked(url)} is unreachable: {text[0] if text else reason!r}"
    )


def _is_sqlite_file(u: URL) -> bool:
    database = u.database or ""
    return (
        u.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not database.startswith("file:")
    )


def _install_sqlite_hooks(engine: Engine) -> None:
    """Per-connection pragmas plus explicit BEGINs.

    pysqlite's own transaction handling starts transactions late and breaks
    SAVEPOINT, so it is switched off (isolation_level=None) and SQLAlchemy's
    "begin" event emits the BEGIN itself: IMMEDIATE for writers, so waiting for
    the other process happens at the start (within busy_timeout) rather than as
    an unrecoverable "database is locked" when a reader tries to become a writer.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL still survives a crash of any process (every commit
            # is in the log before the call returns); only an OS crash or power cut
            # can roll back the last commits, and never corrupts the file. It saves
            # an fsync per stored turn. PostgreSQL is the choice for more than that.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(
            conn.get_execution_options().get(_SQLITE_BEGIN_OPTION, "BEGIN IMMEDIATE")
        )


def get_engine(url: str | None = None) -> Engine:
    """The process's one engine for ``url`` (default: ``config.database_url()``).

    Cached so that every caller shares one connection pool per database.
    Raises :class:`StorageUnavailable` if a SQLite file's directory cannot be made.
    """
    url = _resolve(url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        try:
            u = make_url(url)
        except exc.ArgumentError as e:
            raise StorageUnavailable(f"database URL is not valid: {e}") from e
        kwargs: dict[str, Any] = {"future": True}
        if u.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"timeout": 30}
            if _is_sqlite_file(u):
                # SQLAlchemy 1.4 opens and closes a file connection per session
                # (NullPool); closing the last one checkpoints the WAL. A pool keeps
                # connections open: this was a third of a stored turn's time.
                kwargs["poolclass"] = QueuePool
                kwargs["connect_args"]["check_same_thread"] = False
                parent = Path(u.database or "").expanduser().resolve().parent
                try:
                    parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise _unavailable(url, f"cannot create directory {parent}: {e}") from e
        else:
            kwargs["pool_pre_ping"] = True
            if u.get_driver_name() == "psycopg2" and "connect_timeout" not in u.query:
                # Without it an unreachable host hangs for the OS's TCP timeout (minutes).
                kwargs["connect_args"] = {"connect_timeout": 10}
        engine = sa.create_engine(u, **kwargs)
        if u.get_backend_name() == "sqlite":
            _install_sqlite_hooks(engine)
        _engines[url] = engine
        return engine


def dispose_engine(url: str | None = None) -> None:
    """Close and forget the engine for ``url`` (tests, or before dropping a database)."""
    url = _resolve(url)
    with _engines_lock:
        engine = _engines.pop(url, None)
        _migrated.discard(url)
    if engine is not None:
        engine.dispose()


def connect(url: str | None = None, *, readonly: bool = False) -> Connection:
    """A connection from the engine's pool, or :class:`StorageUnavailable`.

    Only connection failures become StorageUnavailable; errors of the statements
    run later (a constraint, a missing table) stay what they are.
    ``readonly`` makes a SQLite transaction deferred, so a long read (an export)
    never holds the write lock that the bot's processes need.
    """
    url = _resolve(url)
    engine = get_engine(url)
    dbapi_error = getattr(engine.dialect.dbapi, "Error", exc.DBAPIError)
    try:
        conn = engine.connect()
    except (exc.DBAPIError, dbapi_error) as e:
        raise _unavailable(url, getattr(e, "orig", None) or e) from e
    if readonly and engine.dialect.name == "sqlite":
        conn.execution_options(**{_SQLITE_BEGIN_OPTION: "BEGIN"})
    return conn


@contextmanager
def session_scope(url: str | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """An ORM session in one transaction: committed on success, rolled back on error.

    Does not migrate: call :func:`ensure_schema` first (the repository does).
    """
    conn = connect(url, readonly=readonly)
    try:
        with Session(bind=conn, future=True, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        conn.close()


def alembic_config(url: str | None = None) -> Any:
    """An Alembic Config built in code, so migrations run from any working directory
    and from an installed package (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    # ConfigParser interpolation: a literal % must be doubled.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("sqlalchemy.url", _resolve(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Run ``alembic upgrade head`` on ``url``; safe to call again and from several processes.

    The whole upgrade runs in one transaction that first takes a database-wide lock
    (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction advisory lock). A second
    process calling at the same time waits, then finds the schema already at head
    and does nothing, instead of failing with "table already exists".
    """
    from alembic import command

    url = _resolve(url)
    cfg = alembic_config(url)
    with _migrate_lock:
        conn = connect(url)
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": _PG_MIGRATION_LOCK_KEY},
                    )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        finally:
            conn.close()


def ensure_schema(url: str | None = None) -> None:
    """Migrate ``url`` to head once per process (later calls are free)."""
    url = _resolve(url)
    if url in _migrated:
        return
    with _migrate_lock:
        if url in _migrated:
            return
        upgrade(url)
        _migrated.add(url)

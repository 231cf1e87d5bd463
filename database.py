"""Engine behaviour that the booking rules depend on.

SQLite ignores SELECT ... FOR UPDATE, so write transactions there start with
BEGIN IMMEDIATE: writers queue on the busy timeout instead of failing with
"database is locked" when a deferred transaction tries to upgrade its lock.
Reads (GET requests) stay deferred so they never wait for writers under WAL.
"""

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let us issue BEGIN ourselves instead of pysqlite's implicit transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Staff pages write an audit row even when only viewing, so they take the lock too.
        read_only = (
            has_request_context()
            and request.method in ("GET", "HEAD")
            and not request.path.startswith("/staff")
        )
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

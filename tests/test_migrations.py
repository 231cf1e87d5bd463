import logging
import secrets

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app, db
from tests.conftest import TEST_SETTINGS
from tests.postgres_server import create_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.db'}"
    template = request.getfixturevalue("postgres_url_template")
    return create_database(template, f"migrations_{secrets.token_hex(4)}")


@pytest.fixture
def logging_left_as_it_was():
    # Alembic's env.py loads alembic.ini's logging setup, which would silence other loggers
    # and change the root logger for every test that runs after this one.
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    loggers = [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    disabled = [lg.disabled for lg in loggers]
    yield
    root.setLevel(level)
    root.handlers[:] = handlers
    for logger, was_disabled in zip(loggers, disabled, strict=True):
        logger.disabled = was_disabled


def test_migrations_build_exactly_the_schema_the_models_describe(
    empty_database_url, logging_left_as_it_was
):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(db.inspect(connection).get_table_names())
        db.engine.dispose()

    assert differences == []
    assert {"visit", "visit_session", "visit_event", "visitor", "prison"} <= tables

"""How Alembic reaches the database: DATABASE_URL (app/config.py), or the connection app/migrate.py hands over."""

from alembic import context
from sqlalchemy import Connection, create_engine

from app import config, models

target_metadata = models.Base.metadata


def run_migrations(connection: Connection) -> None:
    # SQLite changes a table's columns by copying the table ("batch" mode); other databases alter it in place.
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = create_engine(config.settings.database_url)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.settings.database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

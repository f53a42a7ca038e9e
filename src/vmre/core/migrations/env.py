"""Alembic environment: runs against the engine handed over by vmre.core.database.migrate."""

from alembic import context
from sqlalchemy import create_engine

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=None,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # One process migrates at a time; the next reads the version table after the
            # first commits (vmre.core.database.migrate).
            from vmre.core.database import MIGRATION_LOCK_KEY

            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        context.run_migrations()
    connection.commit()

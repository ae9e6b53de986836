"""Alembic environment: migrates the connection handed over by the gateway (never opens its own)."""

from __future__ import annotations

from alembic import context

from gsmgateway.store.tables import metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through gsmgateway.store.db.open_database()")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()

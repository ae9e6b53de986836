"""Alembic migrations of the gateway's schema; :func:`gsmgateway.store.db.open_database` runs them."""

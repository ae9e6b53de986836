"""The store: schema, migrations, engine set-up and the repositories — the only place with SQL."""

from gsmgateway.store.db import Database, open_database

__all__ = ["Database", "open_database"]

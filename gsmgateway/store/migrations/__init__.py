"""Alembic migrations of the gateway's schema; :func:`gsmgateway.store.db.open_database` runs them."""

from typing import Final

#: The newest revision in ``versions/``. A store already there is opened without importing Alembic
#: (about 11 MB of the daemon's memory); a test checks this matches Alembic's own idea of head.
HEAD_REVISION: Final = "0008"

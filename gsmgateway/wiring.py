"""Building the store-side services together: one database, its repositories and the use cases.

``app.py`` (the daemon), the CLI's admin commands and the tests all start here, so they share one
way of opening the store (migrations run) and one way of closing it (writer drained, pools closed).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.directory.fineract_client import FineractClient
from gsmgateway.directory.sender_match import SenderMatcher
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.authentication import KeyAuthenticator
from gsmgateway.messages.collection import CollectionService
from gsmgateway.messages.console_sessions import ConsoleSessions
from gsmgateway.messages.dispatch import DispatchService
from gsmgateway.messages.inbound import InboundService
from gsmgateway.messages.maintenance import MaintenanceService
from gsmgateway.messages.message_service import MessageService
from gsmgateway.messages.operator import OperatorService
from gsmgateway.messages.platform_intake import PlatformIntake
from gsmgateway.store.api_keys import ApiKeyRepository
from gsmgateway.store.console_sessions import ConsoleSessionRepository
from gsmgateway.store.db import Database, open_database
from gsmgateway.store.directory_entries import DirectoryRepository
from gsmgateway.store.inbound import InboundRepository
from gsmgateway.store.inbound_queries import InboundQueries
from gsmgateway.store.inbox import InboxRepository
from gsmgateway.store.modems import ModemRepository
from gsmgateway.store.outbox import OutboxRepository
from gsmgateway.store.overview import OverviewQueries
from gsmgateway.store.queries import MessageQueries
from gsmgateway.store.reports import ReportRepository
from gsmgateway.store.repository import MessageRepository
from gsmgateway.store.sweeps import MessageSweeps
from gsmgateway.store.writer import SubmitWriter


@dataclass(frozen=True)
class Services:
    """The open store and every use-case object built on it; close with :meth:`close`."""

    config: GatewayConfig
    database: Database
    messages: MessageService
    authenticator: KeyAuthenticator  # API keys → callers, for the API, the console and Fineract
    dispatch: DispatchService
    maintenance: MaintenanceService
    directory: DirectoryService
    api_keys: ApiKeyRepository
    writer: SubmitWriter
    operator: OperatorService
    platform: PlatformIntake  # rows Fineract posts with its own numbers
    collection: CollectionService
    inbound: InboundService
    outbox: OutboxRepository

    async def close(self) -> None:
        """Drain the submit writer and the journal, close Fineract and the database pools (idempotent)."""
        await self.collection.drain()
        await self.writer.close()
        await self.directory.close()
        await self.database.close()


async def open_services(
    config: GatewayConfig,
    *,
    clock: Callable[[], datetime] = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    connect_args: dict[str, Any] | None = None,
) -> Services:
    """Open the store named by ``config`` (migrating it) and build the services on it.

    :raises StoreError: the store cannot be opened or migrated.
    """
    database = await open_database(
        config.store_url, busy_timeout_ms=config.store.busy_timeout_ms, connect_args=connect_args
    )
    repository = MessageRepository(database)
    keys = ApiKeyRepository(database)
    writer = SubmitWriter(database, max_batch=config.store.write_batch_max)
    fineract = FineractClient(config.fineract) if config.fineract.enabled else None
    entries = DirectoryRepository(database)
    directory = DirectoryService(
        entries, config.directory, fineract=fineract, clock=clock, monotonic=monotonic
    )
    queries = MessageQueries(database)
    messages = MessageService(
        config=config, repository=repository, queries=queries, writer=writer, directory=directory, clock=clock
    )  # fmt: skip
    authenticator = KeyAuthenticator(keys, monotonic=monotonic)
    platform = PlatformIntake(
        config=config, service=messages, writer=writer, queries=queries, directory=directory, clock=clock
    )
    dispatch = DispatchService(
        config=config, repository=repository, modems=ModemRepository(database), clock=clock, rng=rng
    )
    inbox = InboxRepository(database)
    received = InboundRepository(database)
    outbox = OutboxRepository(database)
    await outbox.sync_endpoints(config.webhooks, now=clock())  # before anything can announce an event
    maintenance = MaintenanceService(
        config=config,
        sweeps=MessageSweeps(database),
        inbox=inbox,
        inbound=received,
        outbox=outbox,
        clock=clock,
    )
    collection = CollectionService(
        config=config, inbox=inbox, reports=ReportRepository(database), clock=clock
    )
    inbound = InboundService(
        config=config, inbox=inbox, store=received, queries=InboundQueries(database),
        matcher=SenderMatcher(entries, config.directory, fineract=fineract, monotonic=monotonic),
        directory=directory, clock=clock,
    )  # fmt: skip
    sessions = ConsoleSessions(
        repository=ConsoleSessionRepository(database), authenticate=authenticator.authenticate,
        config=config.console, clock=clock,
    )  # fmt: skip
    operator = OperatorService(
        config=config, authenticator=authenticator, repository=repository, queries=queries,
        overview=OverviewQueries(database), keys=keys, sessions=sessions, directory=directory, clock=clock,
    )  # fmt: skip
    return Services(
        config=config, database=database, messages=messages, authenticator=authenticator, dispatch=dispatch,
        maintenance=maintenance, directory=directory, api_keys=keys, writer=writer, operator=operator,
        platform=platform, collection=collection, inbound=inbound, outbox=outbox,
    )  # fmt: skip

"""Unsolicited result codes of one connection: what the modem announces on its own.

``+CDS``/``+CMT`` carry their PDU: it goes to the sink, and ``AT+CNMA`` acknowledges it only
after the sink returned. ``+CDSI``/``+CMTI`` announce a stored one: it is read, handed over, then
deleted (``modem/storage.py``). ``+CREG`` moves the modem between READY and NO_NETWORK. One URC
that fails never stops the next; a failing sink is said in one line, without a traceback.
"""

from __future__ import annotations

import logging

from gsmgateway.core.errors import GatewayError
from gsmgateway.core.inbox import CollectionSource
from gsmgateway.modem import responses
from gsmgateway.modem.codec import Urc
from gsmgateway.modem.collection import classify
from gsmgateway.modem.initialise import Commander
from gsmgateway.modem.session import AtSession
from gsmgateway.modem.status import ModemStatus
from gsmgateway.modem.storage import StorageReader, is_sink_failure

logger = logging.getLogger("gsmgateway.modem.driver")


class UrcHandler:
    """Handles every URC of one connection until it is cancelled."""

    def __init__(
        self,
        session: AtSession,
        commander: Commander,
        storage: StorageReader,
        status: ModemStatus,
        *,
        ack: bool,
    ) -> None:
        self._session = session
        self._commander = commander
        self._storage = storage
        self._status = status
        self._ack = ack

    async def consume(self) -> None:
        """Take URCs from the session's queue for as long as the connection lives."""
        modem_id = self._session.modem_id
        while True:
            urc = await self._session.urcs.get()
            try:
                await self.handle(urc)
            except GatewayError as exc:
                if is_sink_failure(exc):
                    logger.warning("%s: could not keep %s (%s); left on the modem, not acknowledged",
                                   modem_id, urc.name, exc)  # fmt: skip
                else:
                    logger.warning("%s: handling %s failed: %s", modem_id, urc.name, exc)
            except Exception:  # one odd URC must not stop report handling for the connection
                logger.exception("%s: bug while handling %s", modem_id, urc.name)

    async def handle(self, urc: Urc) -> None:
        """Act on one URC."""
        if urc.name in ("+CDS", "+CMT"):
            if urc.pdu is None:
                logger.warning(
                    "%s: %s without its PDU line; nothing to keep", self._session.modem_id, urc.name
                )
                return
            source = CollectionSource.CDS if urc.name == "+CDS" else CollectionSource.CMT
            item = classify(urc.pdu, tpdu_length=responses.parse_length(urc.args), source=source,
                            modem_id=self._session.modem_id)  # fmt: skip
            await self._storage.sink([item])
            if self._ack:  # +CSMS service 1: acknowledged only now that it is kept
                await self._commander.optional("AT+CNMA")
        elif urc.name in ("+CDSI", "+CMTI"):
            memory, index = responses.parse_memory_index(urc.args)
            source = CollectionSource.CDSI if urc.name == "+CDSI" else CollectionSource.CMTI
            await self._storage.read_announced(self._session, memory, index, source)
        elif urc.name == "+CREG":
            await self._status.apply_registration(responses.parse_creg([urc.text]))
        else:
            # The name only: a +CLIP or +CUSD text may hold a number.
            logger.debug("%s: ignoring URC %s", self._session.modem_id, urc.name)

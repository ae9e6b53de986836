"""The network behind the modem: the service centre, its clock, status reports and incoming SMS.

:mod:`simulator.network.smsc` numbers submits and decides their outcome; :mod:`~.reports` and
:mod:`~.incoming` deliver to the modem through the :class:`~.handset.Handset` protocol.
"""

from __future__ import annotations

from simulator.network.smsc import FakeNetwork, Outcome

__all__ = ["FakeNetwork", "Outcome"]

"""gsmgateway: an on-premise SMS gateway that sends through USB GSM modems.

A caller asks over REST for an SMS to a client or staff member; the gateway stores it, sends it
through one or more modems with AT commands, follows delivery reports and keeps the whole trail.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

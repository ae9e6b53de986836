"""A virtual GSM modem that speaks AT commands (3GPP TS 27.007/27.005) like a USB dongle.

Stands in for hardware in tests and in the demo. It shares no parser or PDU code with the gateway:
the same bug on both sides would hide.
"""

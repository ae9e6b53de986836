"""The modem side: serial transport, AT codec and session, driver, PDU adapter, result tables.

Knows nothing of the store or the API.
"""

"""The simulator's own PDU code (TS 23.040/23.038), shared with nothing in the gateway.

:mod:`~.gsm7` packs the default alphabet, :mod:`~.fields` reads and writes TPDU fields,
:mod:`~.submit` decodes what the TE sends, :mod:`~.encode` builds what the network delivers, and
:mod:`~.status` is the TP-Status table.
"""

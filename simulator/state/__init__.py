"""What a modem remembers: settings, SIM and radio state, and its message memories.

:mod:`~.device_state` and :mod:`~.storage` are plain data, shared by the command handlers, the
network and the device.
"""

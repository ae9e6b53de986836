"""Living under systemd: the notify protocol, the watchdog and status pings, the start condition.

No dependency on libsystemd or python-systemd: the protocol is one datagram per message to the
socket systemd names in ``$NOTIFY_SOCKET``; outside systemd (``make run``, tests, a shell) nothing
is sent and nothing changes.
"""

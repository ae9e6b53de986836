"""The use cases of a message's life: accept it, send it through a modem, follow it to the end.

:mod:`~gsmgateway.messages.message_service` serves the API, :mod:`~gsmgateway.messages.dispatch`
the modem workers (:mod:`~gsmgateway.messages.worker`), :mod:`~gsmgateway.messages.maintenance`
the scheduled jobs; :mod:`~gsmgateway.messages.submission` and :mod:`~gsmgateway.messages.attempts`
hold the rules the first two apply.
"""

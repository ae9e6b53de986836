"""Rendering a page: one Jinja2 environment per console app, autoescaping, strict about missing names.

Jinja2 is used directly rather than through aiohttp-jinja2: that package keeps its state under plain
string keys, which aiohttp (3.10 on) warns about on every request, and it adds nothing the console
needs beyond these few lines. Every page gets :func:`base_context`, so a template can rely on the
session, its CSRF token and the helpers without each handler passing them.
"""

from __future__ import annotations

from typing import Any, Final

import jinja2
from aiohttp import web

from gsmgateway.api.console.context import OPERATOR, SESSION
from gsmgateway.api.console.present import (
    age_words,
    local_time,
    modem_words,
    shown_number,
    signal_bars,
    status_tone,
    status_words,
)
from gsmgateway.api.scopes import ADMIN, DIRECTORY_WRITE, INBOUND_READ, SMS_READ_NUMBERS, has_scope
from gsmgateway.messages.inbound_json import shown_sender

TEMPLATES: Final = web.AppKey("templates", jinja2.Environment)
PREFIX_KEY: Final = web.AppKey("prefix", str)


def template_environment() -> jinja2.Environment:
    """Return the environment that loads the package's templates (autoescaped, undefined is an error)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("gsmgateway.api.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def base_context(request: web.Request) -> dict[str, Any]:
    """Give every template the session, what its key may do, and the console's helpers."""
    session = request.get(SESSION)
    caller = session.caller if session is not None else None
    operator = request.app[OPERATOR]
    now = operator.now()
    return {
        "prefix": request.app[PREFIX_KEY],
        "session": session,
        "csrf_token": session.csrf_token if session is not None else "",
        "can_numbers": caller is not None and has_scope(caller, (SMS_READ_NUMBERS,)),
        "can_inbound": caller is not None and has_scope(caller, (INBOUND_READ,)),
        "can_directory": caller is not None and has_scope(caller, (DIRECTORY_WRITE,)),
        "is_admin": caller is not None and has_scope(caller, (ADMIN,)),
        "now": now,
        "zone": operator.zone,
        "local_time": lambda moment: local_time(moment, operator.zone),
        "age": lambda moment: age_words(moment, now),
        "status_words": status_words,
        "status_tone": status_tone,
        "modem_words": modem_words,
        "signal_bars": signal_bars,
        "shown_number": shown_number,
        "shown_sender": shown_sender,
        "path": request.path,
    }


def render(request: web.Request, name: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
    """Return the page ``name`` rendered with ``context`` (over the base context) as an HTML response."""
    template = request.app[TEMPLATES].get_template(name)
    text = template.render({**base_context(request), **context})
    return web.Response(text=text, status=status, content_type="text/html")

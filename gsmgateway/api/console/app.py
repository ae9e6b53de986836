"""The console's aiohttp application: templates, the page middleware, the guard and the route table.

:func:`mount_console` puts it under :data:`PREFIX` of the API application, so it shares the API's
listener (and its TLS, when configured) but none of its JSON error handling: the console answers
in HTML, and the API's auth middleware lets its routes through (they are in no API route table).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Final

from aiohttp import web

from gsmgateway.api.console import (
    pages_admin,
    pages_inbound,
    pages_messages,
    pages_overview,
    pages_sign_in,
)
from gsmgateway.api.console.context import DIRECTORY, INBOUND, MESSAGES, MODEM_STATUS, OPERATOR
from gsmgateway.api.console.guard import SECURITY_HEADERS, guard_middleware
from gsmgateway.api.console.rendering import PREFIX_KEY, TEMPLATES, render, template_environment
from gsmgateway.api.context import ModemStatusProvider
from gsmgateway.api.error_responses import Handler, describe
from gsmgateway.core.errors import GatewayError
from gsmgateway.directory.service import DirectoryService
from gsmgateway.messages.inbound import InboundService
from gsmgateway.messages.message_service import MessageService
from gsmgateway.messages.operator import OperatorService

logger = logging.getLogger(__name__)

PREFIX: Final = "/console"
HERE: Final = Path(__file__).parent
STATIC: Final = HERE / "static"


def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html", {"status": status, "message": message}, status=status)


@web.middleware
async def page_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every failure as an HTML page, and put the security headers on every answer.

    One of the places allowed ``except Exception`` (the API's own middleware is another): an
    unexpected failure is logged with its traceback and the operator sees a plain 500 page.
    """
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            response = web.Response(status=exc.status, headers=exc.headers)
        else:
            response = _error_page(request, exc.status, exc.text or exc.reason)
    except GatewayError as exc:
        status, detail = describe(exc)
        response = _error_page(request, status, detail["message"])
    except Exception:
        logger.exception("unhandled error in console %s %s", request.method, request.path)
        response = _error_page(request, 500, "Something went wrong; the gateway's log has the details.")
    response.headers.update(SECURITY_HEADERS)
    # The page's server time, a standard header browsers show and bench/console_pages.py reads.
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return response


def create_console_app(
    *,
    operator: OperatorService,
    messages: MessageService,
    directory: DirectoryService,
    inbound: InboundService,
    modems: ModemStatusProvider,
) -> web.Application:
    """Return the console application, to be mounted under :data:`PREFIX`."""
    app = web.Application(middlewares=[page_middleware, guard_middleware(PREFIX, ("/sign-in", "/static/"))])
    app[TEMPLATES] = template_environment()
    app[PREFIX_KEY] = PREFIX
    app[OPERATOR] = operator
    app[MESSAGES] = messages
    app[DIRECTORY] = directory
    app[INBOUND] = inbound
    app[MODEM_STATUS] = modems
    add = app.router.add_route
    add("GET", "/", pages_overview.overview)
    add("GET", "/inbound", pages_inbound.inbound)
    add("GET", "/inbound/{id}", pages_inbound.inbound_detail)
    add("GET", "/sign-in", pages_sign_in.sign_in_form)
    add("POST", "/sign-in", pages_sign_in.sign_in)
    add("POST", "/sign-out", pages_sign_in.sign_out)
    add("GET", "/messages", pages_messages.search)
    add("GET", "/messages/{id}", pages_messages.detail)
    add("POST", "/messages/{id}/cancel", pages_messages.cancel)
    add("POST", "/messages/{id}/resolve", pages_messages.resolve)
    add("GET", "/test-sms", pages_messages.test_sms_form)
    add("POST", "/test-sms", pages_messages.test_sms)
    add("GET", "/keys", pages_admin.keys)
    add("POST", "/keys", pages_admin.create_key)
    add("POST", "/keys/{id}/revoke", pages_admin.revoke_key)
    add("GET", "/directory", pages_admin.directory)
    add("GET", "/opt-outs", pages_admin.opt_outs)
    add("POST", "/directory/{kind}/{id}/opt-out", pages_admin.set_opt_out)
    app.router.add_static("/static/", STATIC, append_version=True)
    return app


def mount_console(
    api: web.Application,
    *,
    operator: OperatorService,
    messages: MessageService,
    directory: DirectoryService,
    inbound: InboundService,
    modems: ModemStatusProvider,
) -> None:
    """Serve the console under ``/console`` of ``api`` (before the API app starts)."""
    console = create_console_app(
        operator=operator, messages=messages, directory=directory, inbound=inbound, modems=modems
    )
    api.add_subapp(PREFIX, console)

    async def to_console(request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(f"{PREFIX}/")

    api.router.add_route("GET", PREFIX, to_console)

"""The Chalice app over HTTP on loopback, as API Gateway would front it.

Built on ``chalice.local`` with five differences: an unknown route is a 404
in the envelope, saying under the API's prefix that the route is not served
here (``chalicelib.web.unavailable``; API Gateway's 403 "Missing
Authentication Token" is mapped to a 404 in the same envelope in the cloud
template), bodies over 10 MiB are refused unread
(API Gateway's limit), the answers it makes itself carry the security headers
(as the cloud template's gateway responses do), the event's
``requestContext.identity.sourceIp`` is the socket's peer (as API Gateway sets
it; chalice.local writes 127.0.0.1), and nothing a handler does can take the
server down.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from http.server import HTTPServer
from typing import Any

from chalice import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
)

from chalicelib.web.routes import BASE
from chalicelib.web.security_headers import SECURITY_HEADERS, with_security_headers
from chalicelib.web.unavailable import message

logger = logging.getLogger(__name__)
_QUERY_STRING = re.compile(r"\?[^\s\"]*")

MAX_BODY_BYTES = 10 * 1024 * 1024


def _envelope(msg: str) -> bytes:
    return json.dumps({"status": "error", "msg": msg, "errors": []}, ensure_ascii=False).encode("utf-8")


class RouteNotFound(LocalGatewayException):
    CODE = 404

    def __init__(self, method: str, path: str) -> None:
        route = path.partition("?")[0]
        msg = message(method, route.removeprefix(BASE)) if route.startswith(BASE + "/") else "Rota não encontrada."
        super().__init__({"Content-Type": "application/json; charset=utf-8"}, _envelope(msg))


class SandboxGateway(LocalGateway):
    def __init__(self, app_object: Chalice, config: Config, peer: str) -> None:
        super().__init__(app_object, config)
        self._peer = peer

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        # The app's middleware gives its answers the security headers; these are for the ones made
        # here without it (unknown route, chalice.local's own OPTIONS answer).
        try:
            response = super().handle_request(method, path, headers, body)
        except LocalGatewayException as exc:
            exc.headers = with_security_headers(exc.headers)
            raise
        response["headers"] = with_security_headers(response.get("headers") or {})
        return response

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            event = super()._generate_lambda_event(method, path, headers, body)
        except ValueError as exc:
            raise RouteNotFound(method, path) from exc
        # API Gateway's sourceIp is the TCP peer; chalice.local writes a constant 127.0.0.1.
        event["requestContext"]["identity"]["sourceIp"] = self._peer
        return event


class SandboxRequestHandler(ChaliceRequestHandler):
    def __init__(self, request: Any, client_address: Any, server: HTTPServer, app_object: Chalice,
                 config: Config) -> None:
        self.local_gateway = SandboxGateway(app_object, config, str(client_address[0]))
        # Skip ChaliceRequestHandler.__init__, which would build a stock LocalGateway.
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def _generic_handle(self) -> None:
        length = self.headers.get("content-length", "0")
        if "transfer-encoding" in self.headers:
            # chalice.local reads Content-Length only; a chunked body would be left on the wire.
            return self._plain(411, "Envie o corpo com o cabeçalho Content-Length.", close=True)
        if not length.isdigit():
            return self._plain(400, "Cabeçalho Content-Length inválido.", close=True)
        if int(length) > MAX_BODY_BYTES:
            return self._plain(413, "O corpo da requisição excede o limite de 10 MiB.", close=True)
        try:
            super()._generic_handle()
        except ConnectionError:
            self.close_connection = True  # the client went away; nothing to answer
        except Exception:  # noqa: BLE001 - the server must survive anything
            logger.exception("local gateway failure on %s %s", self.command, self.path.partition("?")[0])
            self._plain(500, "Erro inesperado no servidor local.", close=True)

    # The parent binds do_* to its own _generic_handle; point them at ours.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        # Any other method (TRACE, QUERY...): http.server would answer a 501 HTML page without a do_<METHOD>;
        # the app answers it, a 405 in the envelope, as it does behind API Gateway.
        handler = f"do_{self.command}"
        if not hasattr(self, handler):
            setattr(self, handler, self._generic_handle)
        return True

    def _plain(self, status: int, msg: str, *, close: bool = False) -> None:
        body = _envelope(msg)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        # Answered before the app or the gateway is reached.
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        if close:  # the unread body (if any) makes the connection unusable
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        # Without query strings: a client may have put a password or card number there (the app refuses it,
        # but the URL is already written).
        logger.info("%s %s", self.address_string(), _QUERY_STRING.sub("", format % args))


class ApiServer:
    """Serves ``app`` on ``host:port`` in a background thread."""

    def __init__(self, app: Chalice, config: Config, host: str, port: int) -> None:
        # What chalice.local.create_local_server does: a thread-local
        # current_request, so concurrent requests do not see each other's.
        if not isinstance(app, LocalChalice):
            CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
            app.__class__ = CustomLocalChalice
        self._server = LocalDevServer(app, config, host, port, handler_cls=SandboxRequestHandler)
        self._thread = threading.Thread(target=self._server.server.serve_forever, name="api", daemon=True)
        self.url = f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits forever for a loop that never ran
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server.server_close()

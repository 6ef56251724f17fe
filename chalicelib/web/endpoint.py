"""The one decorator every route goes through.

It authenticates the bearer token, checks the route's permission, merges the
client's input, calls the view and serialises its payload; and it is the one
place where errors become HTTP answers:

- validation and business refusals → 200 envelope error (HubSoft's way)
- bad or missing token → 401; missing permission → 403 (HubSoft's message)
- token-endpoint errors → Passport's OAuth JSON with their status
- anything unexpected → logged with the correlation id, answered with a
  generic envelope error that leaks nothing.

Its HTTP middleware gives each request its correlation id (the client's
``X-Request-Id``/``X-Correlation-Id`` when safe, else API Gateway's request
id, else a new one): on every log line of the request, on the messages it
publishes, and echoed in the ``X-Request-Id`` header of every answer; and it
publishes the request's business metrics when the answer is ready.

Chalice converts a view's exception into a response before middleware sees
it (Chalice's middleware documentation), so mapping errors to HTTP must be a
decorator around each view rather than middleware.
Routes are declared in each context's ``api`` module (``web.routes``);
``Api`` installs the middleware and registers those tables on the app.
"""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import chalice

from chalicelib.auth.model import Principal
from chalicelib.auth.permissions import ADMIN_ONLY
from chalicelib.clock import local
from chalicelib.container import Container, built_container, get_container
from chalicelib.errors import (
    AuthenticationError,
    BusinessRuleError,
    DomainError,
    OAuthError,
    PermissionDeniedError,
    TooManyAttemptsError,
    ValidationError,
)
from chalicelib.observability import (
    REQUEST_ID_HEADER,
    correlated,
    correlation_id,
    new_correlation_id,
    request_correlation_id,
)
from chalicelib.web.envelope import Payload, failure
from chalicelib.web.inputs import merge_input
from chalicelib.web.security_headers import with_security_headers
from chalicelib.web.unavailable import ANY_METHOD, Unavailable
from chalicelib.web.unavailable import answer as unavailable_answer
from chalicelib.web.validation import Fields

if TYPE_CHECKING:
    from chalicelib.web.routes import PathParam, RouteInfo, Routes
    from chalicelib.web.schema import Allowed, Input, Schema

logger = logging.getLogger(__name__)
T = TypeVar("T")

PUBLIC = "__public__"
AUTHENTICATED = "__authenticated__"
NO_PERMISSION_MSG = "O Usuário não possui a permissão desejada!"
UNEXPECTED_MSG = "Erro inesperado ao processar a requisição. Informe o código {cid} ao suporte."
ACCEPTED_CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
]
# The id's earlier header, still sent for clients written against it.
LEGACY_ID_HEADER = "X-Correlation-Id"


@dataclass
class ApiRequest:
    """What a view needs: the merged input, the caller and the services."""

    # The input may hold a card number, a CVV, a password or a secret, and the headers the bearer token: no repr.
    input: dict[str, Any] = field(repr=False)
    container: Container
    principal: Principal | None
    correlation_id: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    # API Gateway's requestContext.identity.sourceIp: the TCP peer it saw. X-Forwarded-For is
    # whatever the client wrote, so nothing that limits or records callers reads it.
    source_ip: str = ""
    # The input names the route declares: fields() reads no other.
    allowed: Allowed | None = field(default=None, repr=False)

    def fields(self) -> Fields:
        return Fields(self.input, allowed=self.allowed)

    def read_one(self, input_field: Input[T]) -> T:
        """The value of a route's only input, checked: a wrong one raises the Portuguese validation error."""
        fields = self.fields()
        value = input_field.read(fields)
        fields.check()
        return value

    def now(self) -> datetime:
        """The provider's wall clock: its time zone's, as clients send and read dates."""
        return local(self.container.clock(), self.container.settings.zone)

    def today(self) -> date:
        return self.now().date()

    @property
    def user(self) -> Principal:
        if self.principal is None:  # only public routes have none, and they do not ask
            raise AuthenticationError("rota pública sem usuário")
        return self.principal


View = Callable[..., Payload]


_installed: list[Api] = []


def installed_api() -> Api:
    """The app's ``Api`` (the OpenAPI route documents what it registered)."""
    return _installed[-1]


class Api:
    """The app's HTTP side: its middleware, and the route tables of every context (``include``)."""

    def __init__(self, app: chalice.Chalice) -> None:
        _installed.append(self)
        self._app = app
        self.routes: list[RouteInfo] = []
        self.schemas: dict[str, Schema] = {}
        self.tags: dict[str, str] = {}
        # HubSoft routes answered "não disponível nesta instalação" (``web.unavailable``), by path.
        self.unavailable_routes: dict[str, Unavailable] = {}
        # Registered first, so outermost: answers Chalice makes itself (405, 415) carry the id too.
        app.register_middleware(_correlated_request, "http")
        app.register_middleware(_chalice_errors_as_envelope, "http")

    def include(self, *tables: Routes) -> None:
        for table in tables:
            clash = set(table.components) & set(self.schemas)
            if clash:
                raise RuntimeError(f"esquemas com o mesmo nome em dois contextos: {sorted(clash)}")
            self._app.register_blueprint(table.blueprint)
            self.routes.extend(table.declared)
            self.schemas.update(table.components)
            for route in table.declared:
                if route.body is not None:
                    self.schemas.update(route.body.components())
            self.tags.update(table.tags)

    def unavailable(self, prefix: str, table: tuple[Unavailable, ...]) -> None:
        """Answer each of ``table``'s routes, for any method and without a token, with the envelope saying it is
        not served here (HTTP 200, as HubSoft's refusals)."""
        for index, entry in enumerate(table):
            path = f"{prefix}/{entry.path}"
            self._app.route(path, methods=list(ANY_METHOD), content_types=ACCEPTED_CONTENT_TYPES,
                            name=f"rota_indisponivel_{index}")(self._not_served(prefix, entry))
            self.unavailable_routes[path] = entry

    def _not_served(self, prefix: str, entry: Unavailable) -> Callable[..., chalice.Response]:
        def handler(**_params: str) -> chalice.Response:
            request = self._app.current_request
            method, path = (request.method, request.path) if request is not None else ("GET", entry.path)
            return _json(200, unavailable_answer(method, path.removeprefix(prefix), entry.why))

        return handler


def wrap(view: View, permission: str, current_request: Callable[[], chalice.app.Request | None],
         allowed: Allowed | None = None, path_params: tuple[PathParam, ...] = ()) -> Callable[..., chalice.Response]:
    """The handler Chalice calls for ``view``: the one place a request is authenticated, authorized, read and
    answered, and where its errors become HTTP answers."""

    @functools.wraps(view)
    def handler(**raw_params: str) -> chalice.Response:
        request = current_request()
        assert request is not None  # Chalice sets it before calling a view
        headers = {k.lower(): v for k, v in (request.headers or {}).items()}
        cid = correlation_id() or new_correlation_id()
        try:
            container = get_container()
            principal = None
            if permission != PUBLIC:
                principal = container.auth.authenticate(headers.get("authorization"))
                _authorize(principal, permission)
            values = [param.parse(raw_params[param.name]) for param in path_params]
            params = request.query_params
            query = [(k, v) for k in (params or {}) for v in params.getlist(k)] if params else []
            raw = request.raw_body
            body = raw.encode("utf-8") if isinstance(raw, str) else raw
            data = merge_input(query, body or None, headers.get("content-type"))
            api_request = ApiRequest(data, container, principal, cid, headers, _source_ip(request), allowed)
            return _json(200, view(api_request, *values))
        except Exception as exc:  # noqa: BLE001 - this is the one place errors become answers
            return _error_response(exc, cid, request.method, request.path)

    return handler


def _source_ip(request: chalice.app.Request) -> str:
    identity = (request.context or {}).get("identity") or {}
    source = identity.get("sourceIp") if isinstance(identity, dict) else None
    return source if isinstance(source, str) else ""


def _authorize(principal: Principal, permission: str) -> None:
    if permission == AUTHENTICATED:
        return
    if permission == ADMIN_ONLY:
        if not principal.is_admin:
            raise PermissionDeniedError(NO_PERMISSION_MSG)
        return
    if not principal.can(permission):
        raise PermissionDeniedError(NO_PERMISSION_MSG, [f"Permissão necessária: {permission}"])


def _error_response(exc: Exception, cid: str, method: str, path: str) -> chalice.Response:
    if isinstance(exc, OAuthError):
        body: Payload = {"error": exc.error, "error_description": exc.message, "message": exc.message}
        extra = {"Retry-After": str(exc.retry_after_seconds)} if exc.retry_after_seconds else {}
        if exc.status == 401:
            extra["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
        return _json(exc.status, body, extra)
    if isinstance(exc, AuthenticationError):
        return _json(401, failure(exc.message, message="Unauthenticated."), {"WWW-Authenticate": "Bearer"})
    if isinstance(exc, PermissionDeniedError):
        return _json(403, failure(exc.message, exc.errors))
    if isinstance(exc, TooManyAttemptsError):
        return _json(429, failure(exc.message), {"Retry-After": str(exc.retry_after_seconds)})
    if isinstance(exc, (ValidationError, BusinessRuleError, DomainError)):
        return _json(200, failure(exc.message, exc.errors))
    # The id is in the text too: Lambda's default log format drops ``extra``.
    logger.exception("unexpected error correlation_id=%s %s %s", cid, method, path,
                     extra={"correlation_id": cid, "method": method, "path": path})
    return _json(500, failure(UNEXPECTED_MSG.format(cid=cid), correlation_id=cid))


def _json(status: int, payload: Payload, extra: dict[str, str] | None = None) -> chalice.Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json; charset=utf-8",
        "Cache-Control": "no-store",
        **(extra or {}),
    }
    return chalice.Response(body=json.dumps(payload, ensure_ascii=False, default=str), status_code=status,
                            headers=headers)


def _correlated_request(event: Any, get_response: Callable[[Any], chalice.Response]) -> chalice.Response:
    """One correlation id per request, echoed in the answer with the security headers; the request's
    metrics published once."""
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    cid = request_correlation_id(headers, (event.context or {}).get("requestId"))
    with correlated(cid):
        try:
            response = get_response(event)
        finally:
            container = built_container()
            if container is not None:  # a request that built nothing (a static file) counted nothing
                container.metrics.flush()
    # The outermost middleware sees every answer the function gives, Chalice's own 405/415 and the
    # console's files included: the one place that cannot miss one.
    response.headers = {**with_security_headers(response.headers), REQUEST_ID_HEADER: cid, LEGACY_ID_HEADER: cid}
    return response


_CHALICE_MESSAGES = {
    400: "Requisição inválida.",
    405: "Método HTTP não permitido nesta rota.",
    415: "Tipo de conteúdo não suportado: envie JSON ou formulário.",
    500: "Erro inesperado ao processar a requisição.",
}


def _chalice_errors_as_envelope(event: Any, get_response: Callable[[Any], chalice.Response]) -> chalice.Response:
    """Chalice answers some requests itself (405, 415) in its own shape; put
    those in the envelope too, so clients parse one format."""
    response = get_response(event)
    body = response.body
    if isinstance(body, dict) and "Code" in body and response.status_code in _CHALICE_MESSAGES:
        msg = _CHALICE_MESSAGES[response.status_code]
        return chalice.Response(
            body=json.dumps(failure(msg), ensure_ascii=False),
            status_code=response.status_code,
            headers={**response.headers, "Content-Type": "application/json; charset=utf-8"},
        )
    return response

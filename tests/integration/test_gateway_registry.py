"""A card gateway added by one registry entry and nothing else: a third gateway, "PagFake", whose adapter (below)
speaks HTTP to a stub server on loopback, is registered for the test only. Through the same services the API's
routes use (on moto), it is configured (``configuracao/integracao/cartao_credito/{gateway}``), its URL comes from
the deployment's settings, a card is stored at it, two invoices are charged through it (the second one's answer
lost and reconciled by ``find``) and the card is removed from its vault; afterwards it is gone again."""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from moto import mock_aws

from chalicelib.billing.cards.service import NewCard
from chalicelib.billing.charging.declines import Classification, Outcome, issuer_decline, normalize
from chalicelib.billing.gateways import CardToTokenize, Charge, ChargeResult, GatewayRefusal
from chalicelib.billing.gateways.registry import (
    PRODUCTION,
    SANDBOX,
    GatewayConnection,
    GatewaySpec,
    registry,
)
from chalicelib.billing.gateways.settings import GatewayChange
from chalicelib.billing.invoices.service import NewInvoice
from chalicelib.config import load_settings
from chalicelib.container import Container, build_container
from chalicelib.customers.model import Address, NewCustomer, NewService
from infra.definition import create_resources
from tests.conftest import MutableClock
from tests.integration.test_simulators import luhn_number

PAGFAKE = "pagfake"
API_KEY = "chave-pagfake-NAO-MOSTRAR"
ACCOUNT = "conta-0042"
TIMEOUT = 5.0


# ------------------------------------------------------------------ the adapter a new gateway would bring
class PagFakeGateway:
    """A small adapter of the ``Gateway`` port: bearer key and account header, a vault of cards, sales by our
    order id, and the issuer's code of a decline in ``issuer_code``."""

    name = PAGFAKE

    def __init__(self, connection: GatewayConnection) -> None:
        self._api = connection.urls["PAGFAKE_API_URL"].rstrip("/")
        self._headers = {"Authorization": f"Bearer {connection.credentials['api_key']}",
                         "X-Account": connection.credentials["account_id"]}
        self._timeout = (3.0, connection.read_timeout)
        self._http = requests.Session()

    def tokenize(self, card: CardToTokenize) -> str:
        answer = self._call("POST", "/v1/cards", {
            "number": card.number, "holder": card.holder, "expiry": f"{card.expiry_month:02d}/{card.expiry_year}",
            "brand": card.brand})
        if answer.status_code != 201:
            raise GatewayRefusal(str(answer.status_code), "A PagFake não guardou o cartão.")
        return str(answer.json()["card_token"])

    def charge(self, charge: Charge) -> ChargeResult:
        try:
            answer = self._call("POST", "/v1/charges", {
                "order_id": charge.order_id, "amount": charge.amount_cents, "card_token": charge.card_token,
                "first_use": charge.first_use, "previous_transaction": charge.issuer_transaction_id})
        except requests.RequestException:
            return ChargeResult(Classification(Outcome.UNKNOWN, ""))
        if answer.status_code >= 500:
            return ChargeResult(Classification(Outcome.UNKNOWN, str(answer.status_code)))
        return _result(answer.json(), charge.brand)

    def find(self, order_id: str) -> list[ChargeResult] | None:
        try:
            answer = self._call("GET", f"/v1/charges?order_id={order_id}")
        except requests.RequestException:
            return [ChargeResult(Classification(Outcome.UNKNOWN, ""))]
        if answer.status_code != 200:
            return [ChargeResult(Classification(Outcome.UNKNOWN, str(answer.status_code)))]
        return [_result(sale, "") for sale in answer.json()["charges"]] or None

    def forget(self, card_token: str) -> None:
        if self._call("DELETE", f"/v1/cards/{card_token}").status_code != 204:
            raise GatewayRefusal("vault", "A PagFake não removeu o cartão.")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return self._http.request(method, f"{self._api}{path}", json=body, headers=self._headers,
                                  timeout=self._timeout, allow_redirects=False)


def _result(sale: dict[str, Any], brand: str) -> ChargeResult:
    code = str(sale.get("issuer_code") or "")
    classification = Classification(Outcome.APPROVED, "00") if sale["status"] == "approved" \
        else issuer_decline(normalize(code), code, brand)
    return ChargeResult(classification, payment_id=sale["charge_id"], return_code=code,
                        issuer_transaction_id=sale.get("transaction_id") or "", amount_cents=sale["amount"],
                        received_at=datetime.fromisoformat(sale["received_at"]))


def pagfake_spec() -> GatewaySpec:
    """The one registry entry the gateway needs."""
    return GatewaySpec(
        name=PAGFAKE, label="PagFake", credential_fields=("api_key", "account_id"), shown_credentials=("account_id",),
        public_urls={SANDBOX: {"PAGFAKE_API_URL": "https://sandbox.pagfake.example"},
                     PRODUCTION: {"PAGFAKE_API_URL": "https://api.pagfake.example"}},
        adapter=PagFakeGateway)


# ------------------------------------------------------------------ its stub server
@dataclass
class PagFakeServer:
    """The gateway on loopback: it approves every sale of a stored card, and requires a later use of a card to
    name the transaction of its first approved sale."""

    clock: MutableClock
    vault: dict[str, str] = field(default_factory=dict)  # token -> last four digits (never the number)
    sales: list[dict[str, Any]] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, body
    lose_answers: int = 0  # answer the next sales with 503 after taking them
    url: str = ""

    @contextmanager
    def running(self) -> Iterator[PagFakeServer]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                stub._answer(self)

            def do_GET(self) -> None:
                stub._answer(self)

            def do_DELETE(self) -> None:
                stub._answer(self)

            def log_message(self, *args: Any) -> None:
                """Quiet: a request line carries no card number, but the test's output should not fill up."""

        return Handler

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        text = request.rfile.read(int(request.headers.get("Content-Length") or 0)).decode()
        self.seen.append((request.command, url.path, text))
        body: dict[str, Any] = json.loads(text) if text else {}
        if request.headers.get("Authorization") != f"Bearer {API_KEY}" or request.headers.get("X-Account") != ACCOUNT:
            return _reply(request, 401, {"error": "unauthorized"})
        if (request.command, url.path) == ("POST", "/v1/cards"):
            token = f"tok-{uuid.uuid4().hex}"
            self.vault[token] = str(body["number"])[-4:]
            return _reply(request, 201, {"card_token": token})
        if request.command == "DELETE" and url.path.startswith("/v1/cards/"):
            return _reply(request, 204 if self.vault.pop(url.path.rsplit("/", 1)[1], None) else 404, None)
        if (request.command, url.path) == ("POST", "/v1/charges"):
            sale = self._sale(body)
            if self.lose_answers:
                self.lose_answers -= 1
                return _reply(request, 503, {"error": "unavailable"})
            return _reply(request, 201, sale)
        if (request.command, url.path) == ("GET", "/v1/charges"):
            order_id = parse_qs(url.query)["order_id"][0]
            return _reply(request, 200, {"charges": [s for s in self.sales if s["order_id"] == order_id]})
        return _reply(request, 404, {"error": "not found"})

    def _sale(self, body: dict[str, Any]) -> dict[str, Any]:
        first = next((s for s in self.sales if s["card_token"] == body["card_token"] and s["status"] == "approved"),
                     None)
        chained = body["first_use"] if first is None else body["previous_transaction"] == first["transaction_id"]
        sale = {"charge_id": uuid.uuid4().hex, "order_id": body["order_id"], "amount": body["amount"],
                "card_token": body["card_token"], "received_at": self.clock().isoformat(),
                "status": "approved" if body["card_token"] in self.vault and chained else "declined",
                "issuer_code": "" if chained else "R1", "transaction_id": uuid.uuid4().hex}
        self.sales.append(sale)
        return sale


def _reply(request: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    payload = b"" if body is None else json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(payload)))
    request.end_headers()
    request.wfile.write(payload)


# ------------------------------------------------------------------ the test
@pytest.fixture
def pagfake(clock: MutableClock) -> Iterator[PagFakeServer]:
    """The stub server, and PagFake registered while the test runs (and only then)."""
    with PagFakeServer(clock).running() as server, registry.registered(pagfake_spec()):
        yield server
    assert PAGFAKE not in registry


@contextmanager
def deployed(pagfake: PagFakeServer, clock: MutableClock) -> Iterator[Container]:
    """Moto, and a container from the deployment's settings, which point PagFake's URL variable at the stub."""
    settings = load_settings({"AWS_REGION": "us-east-1", "STAGE": "test", "PASSWORD_HASH_PROFILE": "fast",
                              "GATEWAY_READ_TIMEOUT_SECONDS": "2", "PAGFAKE_API_URL": pagfake.url})
    assert settings.gateway_urls == (("PAGFAKE_API_URL", pagfake.url),)
    with mock_aws():
        create_resources(boto3.session.Session(region_name=settings.region))
        yield build_container(settings, clock=clock)


def test_a_gateway_registered_only_in_the_registry_stores_and_charges_cards(pagfake: PagFakeServer,
                                                                             clock: MutableClock) -> None:
    with deployed(pagfake, clock) as stack:
        config = stack.gateway_settings.configure(GatewayChange(
            PAGFAKE, active=True, environment=SANDBOX, credentials={"api_key": API_KEY, "account_id": ACCOUNT}),
            "teste")
        assert config.credential_hint == {"account_id": ACCOUNT}  # the key is sealed and never shown
        assert API_KEY not in repr(config)
        assert [(c.gateway, c.active) for c in stack.gateway_settings.list()] == [(PAGFAKE, True)]

        customer = stack.customers.register(NewCustomer(
            name="Cliente PagFake", document="52998224725", phone="11987654321", email="",
            services=(NewService("Fibra", 9990, Address("Rua A", "1", "Centro", "Campinas", "SP", "13010000")),)))
        number = luhn_number("4551", 3)
        card, _ = stack.cards.add(customer.id, NewCard(number, "MARIA", 12, 2031))
        assert (card.gateway, card.last_digits, list(pagfake.vault.values())) == (PAGFAKE, number[-4:],
                                                                                  [number[-4:]])

        first = stack.invoices.create(NewInvoice(customer.services[0].id, 9990, date(2026, 12, 10)))
        attempt, paid = stack.charges.charge(first.id, None, recurring=False)
        assert (attempt.gateway, attempt.status, paid.status) == (PAGFAKE, "aprovado", "paga")

        # The next sale is taken but its answer is lost: the attempt asks the gateway and finds it approved.
        pagfake.lose_answers = 1
        second = stack.invoices.create(NewInvoice(customer.services[0].id, 4990, date(2027, 1, 10)))
        attempt, paid = stack.charges.charge(second.id, None, recurring=False)
        assert (attempt.status, paid.status) == ("aprovado", "paga")
        # one sale per order id, the later one chained to the card's first approved sale
        assert [(s["order_id"], s["amount"], s["status"]) for s in pagfake.sales] == [
            (stack.charges.attempts(first.id)[0].order_id, 9990, "approved"), (attempt.order_id, 4990, "approved")]

        stack.cards.remove(customer.id, card.id)
        assert pagfake.vault == {}
    assert [(method, path) for method, path, text in pagfake.seen if number in text] == [("POST", "/v1/cards")]

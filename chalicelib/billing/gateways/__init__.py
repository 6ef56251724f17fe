"""The card gateways behind one small port (Cielo API 3.0, GetNet).

An adapter never raises for what the network does: a timeout, a 5xx or a
dropped connection after the request left is an ``unknown`` outcome that the
caller reconciles with ``find`` before sending anything again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.billing.declines import Classification, Outcome


class GatewayRefusal(Exception):
    """The gateway rejected the request itself (bad data, bad credentials): nothing was charged."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CardToTokenize:
    number: str  # only in memory, for the duration of the call
    holder: str
    expiry_month: int
    expiry_year: int
    brand: str
    customer_name: str
    customer_ref: str  # our customer id, for gateways that keep a vault per customer


@dataclass(frozen=True)
class Charge:
    order_id: str  # alphanumeric, one per (invoice, attempt); the key to reconcile by
    amount_cents: int
    card_token: str
    brand: str
    customer_name: str
    recurring: bool  # merchant-initiated "Recorrência Própria" vs an operator's one-off charge
    first_use: bool = False  # first charge of a stored card
    issuer_transaction_id: str = ""  # from the card's last approved charge (Visa, Master, Elo)


@dataclass(frozen=True)
class ChargeResult:
    classification: Classification
    payment_id: str = ""
    tid: str = ""
    return_code: str = ""
    return_message: str = ""
    issuer_transaction_id: str = ""

    @property
    def outcome(self) -> Outcome:
        return self.classification.outcome


class Gateway(Protocol):
    name: str

    def tokenize(self, card: CardToTokenize) -> str: ...
    def charge(self, charge: Charge) -> ChargeResult: ...
    def find(self, order_id: str) -> ChargeResult | None: ...
    def forget(self, card_token: str) -> None:
        """Remove a stored card from the gateway's vault, where it keeps one (GetNet); raises
        GatewayRefusal when the gateway refuses or does not answer."""

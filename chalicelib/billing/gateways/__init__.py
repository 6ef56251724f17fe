"""The card gateways behind one small port (Cielo API 3.0, GetNet).

An adapter never raises for what the network does: a timeout, a 5xx or a
dropped connection after the request left is an ``unknown`` outcome that the
caller reconciles with ``find`` before sending anything again.

Stored-credential rules (the brands' "credential on file" framework, which
Cielo and GetNet pass on): a card's first charge goes out as its first use
(Cielo ``CardOnFile.Usage = "First"``, GetNet ``RECURRING``/``ONE_CLICK``);
every later charge as a merchant-initiated use of the stored card carrying
the issuer's transaction id of the card's first approved charge (Cielo
``Payment.IssuerTransactionId``, GetNet ``credit.transaction_id``). Issuers
decline (and brands fine) later uses that do not point at that first
transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

# Re-exported: a gateway's free text may echo what it was sent, and the adapters mask it with this.
from chalicelib.billing.cards.numbers import without_card_numbers
from chalicelib.billing.charging.declines import Classification, Outcome

# Brands whose issuers return a transaction id for the chain (Cielo's IssuerTransactionId documentation).
CHAIN_ID_BRANDS = ("Visa", "Master", "Elo", "Amex")


class GatewayRefusal(Exception):
    """The gateway rejected the request itself (bad data, bad credentials): nothing was charged."""

    def __init__(self, code: str, message: str) -> None:
        code, message = without_card_numbers(code), without_card_numbers(message)
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class CardRefusedByIssuer(GatewayRefusal):
    """The issuer refused to validate a card being added (Cielo Zero Auth, GetNet card verification)."""


@dataclass(frozen=True)
class CardToTokenize:
    number: str = field(repr=False)  # only in memory, for the duration of the call
    holder: str
    expiry_month: int
    expiry_year: int
    brand: str
    customer_name: str
    customer_ref: str  # our customer id, for gateways that keep a vault per customer
    security_code: str = field(default="", repr=False)  # the CVV, when given: sent to the validation, never kept


@dataclass(frozen=True)
class Charge:
    order_id: str  # alphanumeric, one per (invoice, attempt); the key to reconcile by
    amount_cents: int
    card_token: str = field(repr=False)
    brand: str
    customer_name: str
    recurring: bool  # merchant-initiated "Recorrência Própria" vs an operator's one-off charge
    first_use: bool = False  # no charge of this card was approved yet: it opens the stored-credential chain
    issuer_transaction_id: str = ""  # of the card's first approved charge (Visa, Master, Elo)


@dataclass(frozen=True)
class ChargeResult:
    classification: Classification
    payment_id: str = ""
    tid: str = ""
    return_code: str = ""
    return_message: str = ""
    issuer_transaction_id: str = ""
    # What the gateway says it took, when it says (a sale found by a query): reconciliation checks both.
    amount_cents: int | None = None
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        # Whichever adapter built it, the gateway's words leave masked (its code too, kept in the classification).
        object.__setattr__(self, "return_code", without_card_numbers(self.return_code))
        object.__setattr__(self, "return_message", without_card_numbers(self.return_message))
        code = without_card_numbers(self.classification.code)
        if code != self.classification.code:
            object.__setattr__(self, "classification", replace(self.classification, code=code))

    @property
    def outcome(self) -> Outcome:
        return self.classification.outcome


class Gateway(Protocol):
    name: str

    def tokenize(self, card: CardToTokenize) -> str:
        """Validate the card with its issuer, then store it; returns the token we keep. Raises
        CardRefusedByIssuer when the issuer refuses the card, GatewayRefusal when the gateway refuses or does not
        answer (nothing is kept either way)."""

    def charge(self, charge: Charge) -> ChargeResult: ...

    def find(self, order_id: str) -> list[ChargeResult] | None:
        """Every sale the gateway lists under ``order_id`` (None: none); a query that fails or a gateway that
        cannot be asked answers one result of unknown outcome, never None (None allows a new sale)."""

    def forget(self, card_token: str) -> None:
        """Remove a stored card from the gateway's vault, where it keeps one (GetNet); raises
        GatewayRefusal when the gateway refuses or does not answer."""

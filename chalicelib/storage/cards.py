"""Customers' cards and card gateway settings.

Cards live in their customer's partition of the ``customers`` table
(``CUSTOMER#<id>`` / ``CARD#<id:010d>``) beside the wallet item
(``CUSTOMER#<id>`` / ``CARDS``) that names the default card and the count
item (``CUSTOMER#<id>`` / ``CARD_COUNT``); one query reads them all. Every
change is a transaction conditioned on the wallet's version; an add also
increments the count on the condition that it is below MAX_CARDS, a removal
decrements it.

Gateway settings: ``settings`` table, ``CARTAO_GATEWAY`` / ``<gateway>``,
and the active one's name in ``CARTAO_GATEWAY`` / ``ATIVO``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.billing.cards.service import MAX_CARDS, Card, CardLimitReachedError, Wallet, WalletChangedError
from chalicelib.billing.gateways.settings import GatewayConfig
from chalicelib.customers.model import Customer
from chalicelib.sealing import Sealed
from chalicelib.storage.binding import LabelledTransaction, transaction
from chalicelib.storage.customers import customer_from_item, service_from_item
from chalicelib.storage.errors import conflicted, failed_conditions, written
from chalicelib.storage.models import (
    ActiveGatewayItem,
    CardCountItem,
    CardItem,
    CustomerItem,
    CustomerTableItem,
    GatewayConfigItem,
    ServiceItem,
    SettingsItem,
    WalletItem,
)

WALLET_SK = "CARDS"
COUNT_SK = "CARD_COUNT"
GATEWAYS_PK = "CARTAO_GATEWAY"
ACTIVE_SK = "ATIVO"


class DynamoWalletStore:
    def wallet(self, customer_id: int) -> Wallet:
        return _wallet(customer_id, CustomerTableItem.query(
            f"CUSTOMER#{customer_id}", CustomerTableItem.sk.startswith("CARD"), consistent_read=True))

    def customer_and_wallet(self, customer_id: int) -> tuple[Customer, Wallet] | None:
        """The customer (with services) and the wallet from one query: they share the customer's partition."""
        items = list(CustomerTableItem.query(f"CUSTOMER#{customer_id}", consistent_read=True))
        profile = next((i for i in items if isinstance(i, CustomerItem)), None)
        if profile is None:
            return None
        services = [service_from_item(i) for i in items if isinstance(i, ServiceItem)]
        return customer_from_item(profile, services), _wallet(customer_id, iter(items))

    def add(self, wallet: Wallet, card: Card, default_card_id: int) -> None:
        """Store ``card``; refuses with CardLimitReachedError when the count is at MAX_CARDS."""
        with _wallet_change() as txn:
            txn.save("card", _card_item(card), condition=CustomerTableItem.pk.does_not_exist())
            _set_default(txn, wallet, default_card_id)
            _count(txn, wallet, +1)

    def remove(self, wallet: Wallet, card: Card, default_card_id: int | None) -> None:
        with _wallet_change() as txn:
            txn.delete("card", _card_item(card), condition=CustomerTableItem.pk.exists())
            _set_default(txn, wallet, default_card_id)
            _count(txn, wallet, -1)

    def flag(self, customer_id: int, card_id: int, reason: str) -> None:
        """Mark a card the issuer refused for good (a card removed meanwhile stays removed)."""
        _update_card(customer_id, card_id, [CardItem.refused_reason.set(reason)])

    def start_chain(self, customer_id: int, card_id: int, started_at: datetime, issuer_transaction_id: str) -> None:
        """The card's first approved charge, unless one was recorded before (racing approvals: the first wins)."""
        actions: list[Action] = [CardItem.chain_started_at.set(CardItem.chain_started_at | started_at)]
        if issuer_transaction_id:
            actions.append(CardItem.issuer_transaction_id.set(
                CardItem.issuer_transaction_id | issuer_transaction_id))
        _update_card(customer_id, card_id, actions)

    def make_default(self, wallet: Wallet, card: Card) -> None:
        with _wallet_change() as txn:
            txn.condition_check("card", CardItem, f"CUSTOMER#{card.customer_id}", f"CARD#{card.id:010d}",
                                condition=CustomerTableItem.pk.exists())
            _set_default(txn, wallet, card.id)


class DynamoGatewayConfigStore:
    def all(self) -> list[GatewayConfig]:
        items = list(SettingsItem.query(GATEWAYS_PK, consistent_read=True))
        active = next((i.gateway for i in items if isinstance(i, ActiveGatewayItem)), None)
        return [_config(i, active == i.sk) for i in items if isinstance(i, GatewayConfigItem)]

    def save(self, config: GatewayConfig) -> None:
        item = GatewayConfigItem(
            GATEWAYS_PK, config.gateway, environment=config.environment,
            allows_auto_recurrence=config.allows_auto_recurrence,
            credentials_ciphertext=config.credentials.ciphertext, credentials_nonce=config.credentials.nonce,
            credentials_data_key=config.credentials.data_key, credential_hint=dict(config.credential_hint),
            updated_at=config.updated_at, updated_by=config.updated_by)
        if config.active:
            # Replacing the one pointer item activates this gateway and deactivates the other at once.
            with transaction() as txn:
                txn.save(item)
                txn.save(ActiveGatewayItem(GATEWAYS_PK, ACTIVE_SK, gateway=config.gateway))
            return
        item.save()
        _deactivate(config.gateway)

    def delete(self, gateway: str) -> bool:
        """Remove an integration (and the active pointer, if it names it); False when it was not configured."""
        _deactivate(gateway)  # first: a crash in between leaves it configured but inactive, never the reverse
        return written(lambda: GatewayConfigItem(GATEWAYS_PK, gateway).delete(condition=SettingsItem.pk.exists()))


def _deactivate(gateway: str) -> None:
    """Drop the active pointer if it names ``gateway`` (another gateway's stays)."""
    written(lambda: ActiveGatewayItem(GATEWAYS_PK, ACTIVE_SK).delete(condition=ActiveGatewayItem.gateway == gateway))


def _update_card(customer_id: int, card_id: int, actions: list[Action]) -> None:
    """Change a card's own attributes; a card removed meanwhile stays removed (nothing is written)."""
    written(lambda: CardItem(f"CUSTOMER#{customer_id}", f"CARD#{card_id:010d}").update(
        actions=actions, condition=CustomerTableItem.pk.exists()))


def _wallet(customer_id: int, items: Iterator[CustomerTableItem]) -> Wallet:
    cards: list[Card] = []
    default, version, count = None, 0, None
    for item in items:
        if isinstance(item, CardItem):
            cards.append(_card(item))
        elif isinstance(item, WalletItem):
            default = int(item.default_card_id) if item.default_card_id is not None else None
            version = int(item.version)
        elif isinstance(item, CardCountItem):
            count = int(item.card_count)
    return Wallet(customer_id, tuple(sorted(cards, key=lambda c: c.id)), default, version, count)


@contextmanager
def _wallet_change() -> Iterator[LabelledTransaction[str]]:
    """A wallet transaction, written all or nothing when the block ends; a lost condition becomes the domain's
    error (WalletChangedError: re-read and retry; CardLimitReachedError: the count is at the limit)."""
    txn: LabelledTransaction[str] = LabelledTransaction()
    try:
        with txn:
            yield txn
    except TransactWriteError as error:
        failed = set(failed_conditions(error, txn.labels))
        if "count" in failed:
            # An add found the count at MAX_CARDS; true now, whatever else changed meanwhile.
            raise CardLimitReachedError() from error
        if failed == {"uncount"}:
            # The wallet and the card were as read, yet the count was zero: a bug, not a race.
            raise RuntimeError("contagem de cartões já estava em zero") from error
        if failed or conflicted(error):
            raise WalletChangedError() from error
        raise


def _set_default(txn: LabelledTransaction[str], wallet: Wallet, default_card_id: int | None) -> None:
    pk = f"CUSTOMER#{wallet.customer_id}"
    if wallet.version == 0:
        txn.save("wallet", WalletItem(pk, WALLET_SK, default_card_id=default_card_id, version=1),
                 condition=CustomerTableItem.pk.does_not_exist())
        return
    actions: list[Action] = [WalletItem.version.set(wallet.version + 1),
               WalletItem.default_card_id.set(default_card_id) if default_card_id is not None
               else WalletItem.default_card_id.remove()]
    txn.update("wallet", WalletItem(pk, WALLET_SK), actions=actions, condition=WalletItem.version == wallet.version)


def _count(txn: LabelledTransaction[str], wallet: Wallet, change: int) -> None:
    """Move the customer's card count by ``change`` (+1 add, -1 removal).

    A wallet without a count (cards added before it was kept) seeds it from
    the cards read with the wallet: the same transaction is conditioned on that
    wallet's version, which every add and removal bumps, so the cards read are
    the cards there are; a racing seed makes this one retry from a fresh read.
    """
    pk = f"CUSTOMER#{wallet.customer_id}"
    if wallet.card_count is None:
        txn.save("seed", CardCountItem(pk, COUNT_SK, card_count=len(wallet.cards) + change),
                 condition=CustomerTableItem.pk.does_not_exist())
        return
    # The limit is this condition, evaluated by DynamoDB at commit; a removal only keeps the count non-negative.
    room = CardCountItem.card_count < MAX_CARDS if change > 0 else CardCountItem.card_count > 0
    txn.update("count" if change > 0 else "uncount", CardCountItem(pk, COUNT_SK),
               actions=[CardCountItem.card_count.add(change)], condition=room)


def _card_item(card: Card) -> CardItem:
    return CardItem(
        f"CUSTOMER#{card.customer_id}", f"CARD#{card.id:010d}", card_id=card.id, customer_id=card.customer_id,
        brand=card.brand, last_digits=card.last_digits, holder=card.holder, expiry_month=card.expiry_month,
        expiry_year=card.expiry_year, gateway=card.gateway, created_at=card.created_at,
        token_ciphertext=card.token.ciphertext, token_nonce=card.token.nonce, token_data_key=card.token.data_key,
        refused_reason=card.refused_reason or None, chain_started_at=card.chain_started_at,
        issuer_transaction_id=card.issuer_transaction_id or None)


def _card(item: CardItem) -> Card:
    return Card(
        id=int(item.card_id), customer_id=int(item.customer_id), brand=item.brand, last_digits=item.last_digits,
        holder=item.holder, expiry_month=int(item.expiry_month), expiry_year=int(item.expiry_year),
        gateway=item.gateway, created_at=item.created_at,
        token=Sealed(item.token_ciphertext, item.token_nonce, item.token_data_key),
        refused_reason=item.refused_reason or "", chain_started_at=item.chain_started_at,
        issuer_transaction_id=item.issuer_transaction_id or "")


def _config(item: GatewayConfigItem, active: bool) -> GatewayConfig:
    return GatewayConfig(
        gateway=item.sk, active=active, environment=item.environment,
        allows_auto_recurrence=bool(item.allows_auto_recurrence),
        credentials=Sealed(item.credentials_ciphertext, item.credentials_nonce, item.credentials_data_key),
        credential_hint={str(k): str(v) for k, v in (item.credential_hint.as_dict() if item.credential_hint
                                                     else {}).items()},
        updated_at=item.updated_at, updated_by=item.updated_by or "")

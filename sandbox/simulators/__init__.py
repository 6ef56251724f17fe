"""Simulators of the services we cannot reach from here (Cielo, GetNet, ZapMe).

Each follows its service's published sandbox behaviour (Cielo's API 3.0 manual,
public GetNet SDKs, ZapMe's PHP SDK); the local
stack and the tests start them on loopback. Cielo answers tokenization, Zero
Auth (``/1/zeroauth``), sales and queries by order id; GetNet its OAuth token,
single-use card tokens, vault (store, read, delete), card verification
(``/v1/cards/verification``) and credit payments (its v1 API has no payment
query); outcomes follow their sandbox rules (see their modules). Both card
simulators enforce the stored-credential chain by default ("strict" mode: a
later use of a stored card must name the issuer's id of an approved charge
of it), switchable with the constructor's ``strict`` or ``/__sandbox/mode``.
ZapMe answers v2 message sends, message lookups and the account status, and
keeps a message log (``/__sandbox/messages``). Every simulator also serves
``/__sandbox/requests`` (the masked request log) and ``/__sandbox/faults``
(timeouts, 5xx, dropped answers for tests of retries and reconciliation), see
``base``; Cielo and GetNet answer their dates from an injectable ``clock``.
"""
from __future__ import annotations

from collections.abc import Mapping

from chalicelib.billing.gateways.registry import CIELO, GETNET
from sandbox.simulators.base import Simulator
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from sandbox.simulators.zapme import ZapMeSimulator

# The simulator of each card gateway of ``chalicelib.billing.gateways.registry``, by the gateway's name; each
# answers at its gateway's URL variables (its ``env_urls``, read from the gateway's registry entry).
CARD_GATEWAYS: Mapping[str, type[Simulator]] = {CIELO: CieloSimulator, GETNET: GetNetSimulator}
# Everything the local stack starts.
ALL: tuple[type[Simulator], ...] = (*CARD_GATEWAYS.values(), ZapMeSimulator)

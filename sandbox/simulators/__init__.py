"""Simulators of the services we cannot reach from here (Cielo, GetNet, ZapMe).

Each follows its published sandbox contract (``shared/reference``); the local
stack and the tests start them on loopback. Cielo answers tokenization,
sales and queries by order id; GetNet its OAuth token, single-use card
tokens, vault (store, read, delete) and credit payments (its v1 API has no
payment query); outcomes follow their sandbox rules (see their modules).
ZapMe answers v2 message sends, message lookups and the account status, and
keeps a message log (``/__sandbox/messages``). Every simulator also serves ``/__sandbox/requests`` (the
masked request log) and ``/__sandbox/faults`` (timeouts, 5xx, dropped answers
for tests of retries and reconciliation), see ``base``.
"""
from __future__ import annotations

from sandbox.simulators.base import Simulator
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from sandbox.simulators.zapme import ZapMeSimulator

ALL: tuple[type[Simulator], ...] = (CieloSimulator, GetNetSimulator, ZapMeSimulator)

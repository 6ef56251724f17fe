"""Simulators of the services we cannot reach from here (Cielo, GetNet, ZapMe).

Each follows its published sandbox contract (``shared/reference``); the local
stack and the tests start them on loopback. Today they are the common
skeleton (health, request log); each gains its behaviour with its issue.
"""
from __future__ import annotations

from sandbox.simulators.base import Simulator
from sandbox.simulators.cielo import CieloSimulator
from sandbox.simulators.getnet import GetNetSimulator
from sandbox.simulators.zapme import ZapMeSimulator

ALL: tuple[type[Simulator], ...] = (CieloSimulator, GetNetSimulator, ZapMeSimulator)

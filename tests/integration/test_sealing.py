"""Card tokens sealed under a KMS data key, against moto's KMS (with the key's policy checked by
tests/kms_policy.py, which moto does not do)."""
from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from chalicelib.billing.cards.service import card_context
from chalicelib.sealing import KmsEnvelopeSealer, SealError
from infra.definition import KEYS, create_resources

CONTEXT = card_context(7, 3)


@pytest.fixture
def sealer() -> Iterator[KmsEnvelopeSealer]:
    with mock_aws():
        create_resources(boto3.session.Session(region_name="us-east-1"))
        yield KmsEnvelopeSealer(lambda: boto3.client("kms", region_name="us-east-1"), KEYS[0].alias)


def test_round_trip_and_nothing_in_clear(sealer: KmsEnvelopeSealer) -> None:
    sealed = sealer.seal("token-do-gateway-123", CONTEXT)
    assert "token-do-gateway-123" not in repr(sealed)
    assert sealer.open(sealed, CONTEXT) == "token-do-gateway-123"


def test_each_seal_uses_a_fresh_key_and_nonce(sealer: KmsEnvelopeSealer) -> None:
    first, second = sealer.seal("x", CONTEXT), sealer.seal("x", CONTEXT)
    assert first.data_key != second.data_key and first.nonce != second.nonce


def test_a_token_copied_to_another_customer_does_not_open(sealer: KmsEnvelopeSealer) -> None:
    sealed = sealer.seal("token", CONTEXT)
    with pytest.raises(SealError):
        sealer.open(sealed, card_context(8, 3))


@pytest.mark.parametrize("context", [
    {},  # no context at all
    {**card_context(7, 3), "extra": "1"},  # one key more than a card token's
    {"purpose": "card-token", "customer": "7"},  # without the card
    {"purpose": "outra-coisa"},
    {"gateway": "rede"},  # not a gateway we have
])
def test_the_key_refuses_a_context_its_policy_does_not_admit(sealer: KmsEnvelopeSealer,
                                                             context: dict[str, str]) -> None:
    with pytest.raises(ClientError, match="AccessDeniedException"):
        sealer.seal("token", context)


def test_tampering_is_detected(sealer: KmsEnvelopeSealer) -> None:
    sealed = sealer.seal("token", CONTEXT)
    flipped = bytearray(base64.b64decode(sealed.ciphertext))
    flipped[0] ^= 1
    with pytest.raises(SealError):
        sealer.open(replace(sealed, ciphertext=base64.b64encode(bytes(flipped)).decode()), CONTEXT)

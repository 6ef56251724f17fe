"""Card tokens sealed under a KMS data key, against moto's KMS."""
from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest
from moto import mock_aws

from chalicelib.sealing import KmsEnvelopeSealer, SealError
from infra.definition import KEYS, create_resources

CONTEXT = {"id_cliente": "7", "id_cartao": "3"}


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
        sealer.open(sealed, {**CONTEXT, "id_cliente": "8"})


def test_tampering_is_detected(sealer: KmsEnvelopeSealer) -> None:
    sealed = sealer.seal("token", CONTEXT)
    flipped = bytearray(base64.b64decode(sealed.ciphertext))
    flipped[0] ^= 1
    with pytest.raises(SealError):
        sealer.open(replace(sealed, ciphertext=base64.b64encode(bytes(flipped)).decode()), CONTEXT)

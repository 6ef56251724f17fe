"""Envelope encryption of small secrets (gateway card tokens, credentials).

Each secret gets a fresh AES-256 data key from KMS; the secret is sealed
with AES-GCM and only the KMS-encrypted data key is kept beside it. The
encryption context (e.g. customer and card ids) is bound twice: KMS refuses
to decrypt the data key under another context, and the same context is the
GCM associated data. A sealed token copied to another customer's record
therefore fails to open.
"""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

NONCE_BYTES = 12


class SealError(Exception):
    """The sealed value cannot be opened (wrong context, tampering or wrong key)."""


@dataclass(frozen=True)
class Sealed:
    ciphertext: str  # base64 of AES-GCM output
    nonce: str  # base64
    data_key: str  # base64 of the KMS-encrypted data key


class Sealer(Protocol):
    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed: ...
    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str: ...


class KmsEnvelopeSealer:
    """Seals with data keys of the KMS key ``key_id`` (an alias works)."""

    def __init__(self, kms_factory: Callable[[], Any], key_id: str) -> None:
        self._kms_factory = kms_factory
        self._kms: Any = None
        self._key_id = key_id

    def seal(self, plaintext: str, context: Mapping[str, str]) -> Sealed:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        answer = self._client().generate_data_key(KeyId=self._key_id, KeySpec="AES_256",
                                                  EncryptionContext=dict(context))
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(answer["Plaintext"]).encrypt(nonce, plaintext.encode("utf-8"), _aad(context))
        return Sealed(ciphertext=_b64(ciphertext), nonce=_b64(nonce), data_key=_b64(answer["CiphertextBlob"]))

    def open(self, sealed: Sealed, context: Mapping[str, str]) -> str:
        from botocore.exceptions import ClientError
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            key = self._client().decrypt(CiphertextBlob=base64.b64decode(sealed.data_key),
                                         EncryptionContext=dict(context))["Plaintext"]
            clear = AESGCM(key).decrypt(base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext),
                                        _aad(context))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidCiphertextException":
                raise SealError("o valor selado não pertence a este contexto") from exc
            raise
        except InvalidTag as exc:
            raise SealError("o valor selado foi alterado") from exc
        return clear.decode("utf-8")

    def _client(self) -> Any:
        if self._kms is None:
            self._kms = self._kms_factory()
        return self._kms


def _aad(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

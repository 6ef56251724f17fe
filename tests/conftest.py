"""Fixtures shared by every tier.

No test reaches AWS or the network: credentials are fake, local AWS config
files are hidden, and AWS is moto (in-process, or its server on loopback for
the tests of the running local stack).
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests import kms_policy

# moto's KMS evaluates no key or IAM policy: every test that seals or opens a value checks the
# policies against the encryption context the application really sends.
kms_policy.enforce()


@pytest.fixture(autouse=True)
def no_local_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    missing = str(tmp_path_factory.getbasetemp() / "no-such-aws-file")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", missing)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", missing)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


class MutableClock:
    """A clock tests move by hand."""

    def __init__(self, at: datetime | None = None) -> None:
        self.now = at or datetime(2026, 12, 10, 13, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def env_without_endpoint() -> Iterator[None]:
    previous = os.environ.pop("AWS_ENDPOINT_URL", None)
    yield
    if previous is not None:
        os.environ["AWS_ENDPOINT_URL"] = previous

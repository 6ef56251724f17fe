"""Integration tier: our DynamoDB/SQS code against moto.

``moto_server`` is moto's real HTTP server on loopback, for tests that race
threads (each thread has its own connection, as concurrent Lambdas would).
"""
from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests

from chalicelib.config import Settings
from chalicelib.container import Container, build_container
from infra.definition import create_resources
from sandbox.aws import LocalAws
from tests.aws import TEST_SETTINGS, moto_stack
from tests.conftest import MutableClock


@pytest.fixture
def stack(clock: MutableClock) -> Iterator[Container]:
    """In-process moto: fastest, for single-threaded behaviour."""
    with moto_stack(clock) as container:
        yield container


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The same server the local stack runs (with its DynamoDB isolation, see ``serialize_dynamodb_requests``)."""
    aws = LocalAws()
    aws.start()
    yield aws.endpoint
    aws.stop()


@pytest.fixture
def server_stack(moto_endpoint: str, clock: MutableClock) -> Iterator[Container]:
    """A fresh set of resources on moto's server and a container bound to it."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    settings = Settings(**{**TEST_SETTINGS.__dict__, "endpoint_url": moto_endpoint})
    create_resources(boto3.session.Session(region_name=settings.region), moto_endpoint)
    yield build_container(settings, clock=clock)

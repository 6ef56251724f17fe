"""Helpers for tests that run against moto (in-process)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from moto import mock_aws

from chalicelib.clock import Clock
from chalicelib.config import Settings
from chalicelib.container import Container, build_container
from infra.definition import create_resources

TEST_SETTINGS = Settings(region="us-east-1", stage="test", timezone="America/Sao_Paulo", log_level="INFO",
                         password_hash_profile="fast")


@contextmanager
def moto_stack(clock: Clock) -> Iterator[Container]:
    """Every table, queue and key in an in-process moto, and a container on it."""
    with mock_aws():
        create_resources(boto3.session.Session(region_name="us-east-1"))
        yield build_container(TEST_SETTINGS, clock=clock)

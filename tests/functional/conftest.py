from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.container import Container, use_container
from tests.aws import moto_stack
from tests.conftest import MutableClock

ADMIN = ("admin", "senha-do-admin-1")
CLIENT = ("1", "segredo-do-cliente")


@pytest.fixture
def stack(clock: MutableClock) -> Iterator[Container]:
    with moto_stack(clock) as container, use_container(container):
        container.auth.ensure_admin(*ADMIN)
        container.auth.ensure_client(CLIENT[0], CLIENT[1], "Integração de teste")
        yield container


class Http:
    """The Chalice test client with JSON helpers and a bearer token."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.token: str | None = None

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                headers: dict[str, str] | None = None, raw: bytes | str | None = None) -> Any:
        all_headers = {"Content-Type": "application/json"}
        bearer = token if token is not None else self.token
        if bearer:
            all_headers["Authorization"] = f"Bearer {bearer}"
        all_headers.update(headers or {})
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        response = getattr(self.client.http, method.lower())(path, headers=all_headers, body=payload)
        response.json = json.loads(response.body) if response.body else None
        return response

    def login(self, username: str = ADMIN[0], password: str = ADMIN[1]) -> str:
        answer = self.request("POST", "/oauth/token", {
            "grant_type": "password", "client_id": CLIENT[0], "client_secret": CLIENT[1],
            "username": username, "password": password,
        }, token="")
        assert answer.status_code == 200, answer.body
        self.token = answer.json["access_token"]
        return str(self.token)


@pytest.fixture
def http(stack: Container) -> Iterator[Http]:
    from app import app

    with Client(app, stage_name="dev") as client:
        yield Http(client)

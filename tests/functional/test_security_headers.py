"""Every answer carries ``SECURITY_HEADERS``: each route's, an error's, Chalice's own 405 and 415, the
console's files, and what the local gateway answers without the app (an unknown route).
The cloud's API Gateway answers are checked in the template (tests/unit/test_infra_template.py)."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from chalice.config import Config
from chalice.local import LocalGatewayException
from chalice.test import Client

import app as app_module
from chalicelib.container import get_container, use_container
from chalicelib.web.security_headers import SECURITY_HEADERS
from sandbox.gateway import SandboxGateway
from tests.aws import moto_stack
from tests.conftest import MutableClock
from tests.functional.conftest import ADMIN, CLIENT, Http

# No record has this id: a route given it refuses and changes nothing, so one stack serves them all.
MISSING_ID = "987654"


def assert_secured(headers: Mapping[str, Any], what: object) -> None:
    found = {name: headers.get(name) for name in SECURITY_HEADERS}
    assert found == dict(SECURITY_HEADERS), what


def every_route() -> list[tuple[str, str]]:
    return [(method, re.sub(r"\{[^{}]+\}", MISSING_ID, route.path))
            for route in app_module.api.routes for method in route.methods]


@pytest.fixture(scope="module")
def admin() -> Iterator[Http]:
    """An admin's client on one stack for the whole module (a stack per route would take minutes)."""
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.setenv(name, "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        with moto_stack(MutableClock()) as container, use_container(container), \
                Client(app_module.app, stage_name="dev") as client:
            container.auth.ensure_admin(*ADMIN)
            container.auth.ensure_client(CLIENT[0], CLIENT[1], "Integração de teste")
            yield Http(client)


@pytest.mark.parametrize("method, path", every_route())
def test_every_route_answers_with_the_security_headers(admin: Http, method: str, path: str) -> None:
    admin.login()  # again: a route before may have revoked every token
    answer = admin.request(method, path, {})
    assert_secured(answer.headers, (method, path, answer.status_code))


@pytest.mark.parametrize("token", ["", "token-que-nao-existe"])
def test_a_refusal_has_them_too(admin: Http, token: str) -> None:
    answer = admin.request("GET", "/api/v1/integracao/usuario_atual", token=token)
    assert answer.status_code == 401
    assert_secured(answer.headers, answer.status_code)


def test_an_unexpected_error_has_them_too(admin: Http, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("falha de teste")

    monkeypatch.setattr(get_container().auth, "authenticate", broken)
    answer = admin.request("GET", "/api/v1/integracao/usuario_atual", token="qualquer")
    assert answer.status_code == 500
    assert_secured(answer.headers, answer.status_code)


def test_chalices_own_405_and_415_have_them(admin: Http) -> None:
    not_allowed = admin.request("DELETE", "/health")
    assert not_allowed.status_code == 405 and not_allowed.json["status"] == "error"
    assert_secured(not_allowed.headers, 405)
    unsupported = admin.request("POST", "/oauth/token", raw="<a/>", headers={"Content-Type": "application/xml"})
    assert unsupported.status_code == 415
    assert_secured(unsupported.headers, 415)


@pytest.mark.parametrize(("path", "status"), [
    ("/", 200), ("/console/app.js", 200), ("/console/console.css", 200), ("/console/nao-existe.js", 404)])
def test_the_consoles_files_have_them(admin: Http, path: str, status: int) -> None:
    answer = admin.client.http.get(path)
    assert answer.status_code == status
    assert_secured(answer.headers, path)


def test_the_consoles_page_keeps_its_own_content_security_policy(admin: Http) -> None:
    answer = admin.client.http.get("/")
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    first = admin.client.http.get("/console/app.js")
    again = admin.client.http.get("/console/app.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert_secured(again.headers, 304)


def test_the_local_gateways_own_answers_have_them(admin: Http) -> None:
    """Unknown routes and chalice.local's OPTIONS answer never reach the app's middleware."""
    gateway = SandboxGateway(app_module.app, Config(chalice_stage="dev"), "127.0.0.1")
    with pytest.raises(LocalGatewayException) as unknown:
        gateway.handle_request("GET", "/nao/existe", {}, b"")
    assert unknown.value.CODE == 404
    assert_secured(unknown.value.headers, 404)
    options = gateway.handle_request("OPTIONS", "/health", {}, b"")
    assert_secured(options["headers"], "OPTIONS")
    health = gateway.handle_request("GET", "/health", {}, b"")
    assert health["statusCode"] == 200
    assert_secured(health["headers"], "GET /health")

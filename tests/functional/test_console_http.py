"""The web console's static files, served by the app without a token (``chalicelib/web/console.py``)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client

from chalicelib.config import ENV_CONSOLE_CLIENT_ID, ENV_CONSOLE_CLIENT_SECRET
from chalicelib.web import console


@pytest.fixture
def client() -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="dev") as test_client:
        yield test_client


def test_the_page_is_public_html_with_the_console_client(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CONSOLE_CLIENT_ID, "console")
    monkeypatch.setenv(ENV_CONSOLE_CLIENT_SECRET, 'segredo"<publico>')
    answer = client.http.get("/")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-cache" and answer.headers["ETag"]
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    page = answer.body.decode("utf-8")
    assert '<html lang="pt-BR">' in page
    assert '<meta name="oauth-client-id" content="console">' in page
    assert '<meta name="oauth-client-secret" content="segredo&quot;&lt;publico&gt;">' in page  # escaped


def test_without_a_configured_client_the_login_form_asks_for_it(client: Client,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_CONSOLE_CLIENT_ID, raising=False)
    monkeypatch.delenv(ENV_CONSOLE_CLIENT_SECRET, raising=False)
    page = client.http.get("/").body.decode("utf-8")
    assert '<meta name="oauth-client-id" content="">' in page


@pytest.mark.parametrize(("path", "content_type"), [
    ("/console/app.js", "text/javascript; charset=utf-8"),
    ("/console/calendario.js", "text/javascript; charset=utf-8"),
    ("/console/console.css", "text/css; charset=utf-8"),
    ("/console/icone.svg", "image/svg+xml"),
])
def test_the_page_files_have_their_content_types(client: Client, path: str, content_type: str) -> None:
    answer = client.http.get(path)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == content_type
    assert answer.headers["Cache-Control"] == "no-cache"


def test_an_unchanged_file_is_a_304(client: Client) -> None:
    first = client.http.get("/console/app.js")
    again = client.http.get("/console/app.js", headers={"If-None-Match": f'W/"x", {first.headers["ETag"]}'})
    assert again.status_code == 304 and again.body == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert client.http.get("/console/app.js", headers={"If-None-Match": '"outro"'}).status_code == 200


def test_the_calendar_bundle_is_served_from_vendor(client: Client) -> None:
    assert (console.VENDOR_DIR / "event-calendar.min.js").exists(), \
        "o calendário não foi copiado: `cd console && npm ci && npm run vendor` (./dev test faz isso)"
    answer = client.http.get("/console/vendor/event-calendar.min.js")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"EventCalendar" in answer.body


@pytest.mark.parametrize("path", [
    "/console/nao-existe.js", "/console/index.html", "/console/..%2Fconsole.py", "/console/.env.js",
    "/console/vendor/app.js", "/console/vendor/..%2F..%2Fconsole.py", "/console/app.py",
])
def test_anything_else_is_a_404(client: Client, path: str) -> None:
    answer = client.http.get(path)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"

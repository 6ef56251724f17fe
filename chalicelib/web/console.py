"""The operators' web console: static files served by the same app at ``/`` and ``/console/...``.

The page is public, like any static site: it logs in through ``/oauth/token``
and then calls the API with the bearer token, as every other client does. Its
routes are registered on the Chalice app directly, outside the ``Api`` wrapper
(no token, no envelope) and outside the OpenAPI document, which describes the API.

Files live in ``console_files/``; ``console_files/vendor/`` holds the
calendar bundle copied from npm (``console/``: ``npm ci && npm run vendor``),
kept out of git and shipped by ``chalice package``. A file is read on its
first request and again when it changes on disk, never at import: every
Lambda function imports ``app``.
"""
from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import chalice
from chalice.app import Request

from chalicelib.config import console_client
from chalicelib.web.security_headers import SECURITY_HEADERS

INDEX_ROUTE = "/"
FILE_ROUTE = "/console/{arquivo}"
VENDOR_ROUTE = "/console/vendor/{arquivo}"
ROUTES = (INDEX_ROUTE, FILE_ROUTE, VENDOR_ROUTE)

FILES_DIR = Path(__file__).resolve().parent / "console_files"
VENDOR_DIR = FILES_DIR / "vendor"
INDEX_FILE = "index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".map": "application/json; charset=utf-8",
}
# One file name: no separators, no dot files, a known extension.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9]+)*\.(?:js|css|svg|map)$")

# No build step fingerprints the file names, so every file is revalidated
# (a 304 when unchanged): a deploy is never mixed with files cached before it.
_REVALIDATE = "no-cache"
# The app's middleware adds them to every answer too; here they also hold for a file served without it.
_COMMON_HEADERS = SECURITY_HEADERS
# The page runs only its own files; the calendar sets inline styles.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
                               "form-action 'self'; frame-ancestors 'none'",
}


@dataclass(frozen=True)
class _File:
    stamp: tuple[int, int]
    text: str
    etag: str


_cache: dict[Path, _File] = {}


def index(request: Request | None) -> chalice.Response:
    """``GET /``: the page, with the console's OAuth client filled in."""
    page = _read(FILES_DIR / INDEX_FILE)
    if page is None:
        return _not_found()
    client_id, secret = console_client()
    text = page.text.replace("{{oauth_client_id}}", html.escape(client_id)) \
        .replace("{{oauth_client_secret}}", html.escape(secret))
    etag = page.etag if text == page.text else _etag(text)
    return _answer(text, CONTENT_TYPES[".html"], etag, request, _PAGE_HEADERS)


def asset(name: str, request: Request | None, *, vendor: bool = False) -> chalice.Response:
    """``GET /console/<name>`` and ``/console/vendor/<name>``: one of the page's files."""
    if not _NAME.match(name):
        return _not_found()
    found = _read((VENDOR_DIR if vendor else FILES_DIR) / name)
    if found is None:
        return _not_found()
    return _answer(found.text, CONTENT_TYPES[Path(name).suffix], found.etag, request, {})


def _read(path: Path) -> _File | None:
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        cached = _cache.get(path)
        if cached is None or cached.stamp != stamp:
            text = path.read_text(encoding="utf-8")
            cached = _File(stamp, text, _etag(text))
            _cache[path] = cached
    except OSError:  # missing (vendor not copied) or removed meanwhile: not found
        return None
    return cached


def _etag(text: str) -> str:
    return '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'


def _answer(text: str, content_type: str, etag: str, request: Request | None,
            extra: Mapping[str, str]) -> chalice.Response:
    common: dict[str, str | list[str]] = {"ETag": etag, "Cache-Control": _REVALIDATE, **_COMMON_HEADERS, **extra}
    if etag in _if_none_match(request):
        return chalice.Response(body="", status_code=304, headers=common)
    return chalice.Response(body=text, status_code=200, headers={"Content-Type": content_type, **common})


def _if_none_match(request: Request | None) -> set[str]:
    wanted = (request.headers.get("if-none-match") if request is not None else None) or ""
    return {tag.strip().removeprefix("W/") for tag in wanted.split(",") if tag.strip()}


def _not_found() -> chalice.Response:
    return chalice.Response(body='{"status": "error", "msg": "Arquivo não encontrado.", "errors": []}',
                            status_code=404, headers={"Content-Type": "application/json; charset=utf-8",
                                                      "Cache-Control": "no-store", **_COMMON_HEADERS})

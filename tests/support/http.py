"""The API as every tier's tests call it: its prefix and the assertion that an answer is a success."""
from __future__ import annotations

from typing import Any

import requests

from chalicelib.web.routes import BASE

__all__ = ["BASE", "ok", "ok_response"]


def ok(answer: Any) -> dict[str, Any]:
    """The body of a Chalice test client's answer (``Http.request``, its ``json`` already decoded), asserting
    it is HTTP 200 with ``status: success``."""
    assert answer.status_code == 200 and answer.json["status"] == "success", answer.json
    return dict(answer.json)


def ok_response(answer: requests.Response) -> dict[str, Any]:
    """The same for an answer of the running local stack, read with ``requests``."""
    payload: dict[str, Any] = answer.json()
    assert answer.status_code == 200 and payload["status"] == "success", payload
    return payload

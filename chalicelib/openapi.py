"""The OpenAPI document of the whole API (served at ``/api/v1/openapi.json``)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.web.endpoint import RouteInfo


def document(routes: Sequence[RouteInfo]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for route in routes:
        for method in route.methods:
            paths.setdefault(route.path, {})[method.lower()] = {"operationId": route.view_name}
    return {"openapi": "3.1.0", "info": {"title": "ISP back end", "version": "1"}, "paths": paths}

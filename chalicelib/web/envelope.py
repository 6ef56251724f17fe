"""HubSoft's response envelope, built in one place."""
from __future__ import annotations

from typing import Any

Payload = dict[str, Any]


def success(msg: str, **payload: Any) -> Payload:
    """``{"status": "success", "msg": ..., <key>: ...}``."""
    return {"status": "success", "msg": msg, **payload}


def failure(msg: str, errors: list[str] | None = None, **extra: Any) -> Payload:
    """``{"status": "error", "msg": ..., "errors": [...]}``."""
    return {"status": "error", "msg": msg, "errors": list(errors or []), **extra}

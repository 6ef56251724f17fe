"""Errors the domain raises; ``web.endpoint`` maps each to one HTTP answer.

Nothing here knows about HTTP: the mapping lives in one place at the edge.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

VALIDATION_MESSAGE = "Favor preencher os campos obrigatórios de acordo com as especificações"


class DomainError(Exception):
    """Base of every error the API turns into an answer to the client."""

    def __init__(self, message: str, errors: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


class ValidationError(DomainError):
    """Client input is malformed; ``errors`` names each offending field."""

    def __init__(self, errors: Sequence[str], message: str = VALIDATION_MESSAGE) -> None:
        super().__init__(message, errors)


class BusinessRuleError(DomainError):
    """Well-formed input that the rules refuse (slot full, duplicate CPF...)."""

    def __init__(self, message: str, errors: Sequence[str] | None = None) -> None:
        super().__init__(message, [message] if errors is None else errors)


class NotFoundError(BusinessRuleError):
    """An id the client sent does not exist (HubSoft answers these with 200)."""


def require_found(item: T | None, message: str) -> T:
    """``item``, which a store or a lookup answered with None when there is none: then NotFoundError(``message``)."""
    if item is None:
        raise NotFoundError(message)
    return item


class ConflictError(BusinessRuleError):
    """A concurrent change won the race; the client may retry."""


class AuthenticationError(DomainError):
    """Missing, invalid, expired or revoked credentials (HTTP 401)."""


class PermissionDeniedError(DomainError):
    """The user is authenticated but lacks the route's permission (HTTP 403)."""


class TooManyAttemptsError(DomainError):
    """Login locked after repeated failures (HTTP 429)."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ConfigurationError(Exception):
    """The deployment is misconfigured (missing variable); not the client's fault."""


class OAuthError(DomainError):
    """An OAuth 2 token-endpoint error, answered in Laravel Passport's shape
    (``error``, ``error_description``, ``message``), which HubSoft clients parse."""

    def __init__(self, error: str, description: str, status: int = 400, retry_after_seconds: int = 0) -> None:
        super().__init__(description)
        self.error = error
        self.status = status
        self.retry_after_seconds = retry_after_seconds

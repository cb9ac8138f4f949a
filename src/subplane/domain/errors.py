"""Domain errors: a stable code plus parameters. Edges render them in their own language."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal with a stable ``code``; ``message`` is plain English for logs and the CLI."""

    code: str = "DomainError"

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return f"{self.message} ({self.code})"


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Forbidden(DomainError):
    """The principal lacks the right for this action at this scope."""


class Conflict(DomainError):
    """The action is not allowed in the current state."""


class InvalidInput(DomainError):
    """The request itself is malformed or incomplete."""


class Unauthenticated(DomainError):
    """The caller did not present the credential this action needs (or presented a wrong one)."""

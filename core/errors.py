"""Expected failures. Each carries a stable `code` that clients can switch on.

Services raise these; the API turns them into typed results. Anything else that escapes is
a bug: it is logged and masked, never shown to a client.
"""

from __future__ import annotations


class BacklineError(Exception):
    code = "ERROR"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def extensions(self) -> dict[str, object]:
        # graphql-core copies this onto a GraphQL error raised from a resolver.
        return {"code": self.code}


class NotAuthenticated(BacklineError):
    code = "UNAUTHENTICATED"


class InvalidCredentials(BacklineError):
    code = "INVALID_CREDENTIALS"


class PermissionDenied(BacklineError):
    code = "PERMISSION_DENIED"


class NotFound(BacklineError):
    code = "NOT_FOUND"


class InvalidInput(BacklineError):
    code = "INVALID_INPUT"


class RateLimited(BacklineError):
    """Too many attempts for now; `retry_at` / `retry_after_seconds` say when to try again."""

    code = "RATE_LIMITED"


class Locked(BacklineError):
    """Locked for a while after too many failures (SEC4); `retry_at` says until when."""

    code = "LOCKED"


class InvalidState(BacklineError):
    code = "INVALID_STATE"


class Conflict(BacklineError):
    """Somebody else got there first (REL2)."""

    code = "CONFLICT"


class CursorExpired(BacklineError):
    """A stream cannot resume from this position (INS2): the client takes a fresh snapshot."""

    code = "CURSOR_EXPIRED"


class UnsupportedOperation(BacklineError):
    """A channel lacks the operation (CH4): the message names both."""

    code = "UNSUPPORTED_OPERATION"

    def __init__(self, channel: str, operation: str, message: str | None = None) -> None:
        super().__init__(
            message or f"The {channel} channel does not support {operation}.",
            channel=channel,
            operation=operation,
        )
        self.channel = channel
        self.operation = operation


class ConfigurationError(BacklineError):
    """Start-up configuration is wrong; the message names the culprit."""

    code = "CONFIGURATION"

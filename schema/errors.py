"""Typed failures. Every mutation returns a union of its success type and these, so a client
selects `... on Error { code message }` and switches on the stable `code`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Awaitable, Callable, TypeVar, Union

import strawberry

from core import errors as core_errors
from core.store.contention import retrying

T = TypeVar("T")
S = TypeVar("S")


@strawberry.interface(description="An expected failure, with a stable machine-readable code.")
class Error:
    code: str
    message: str


@strawberry.type(description="Missing, wrong or expired credentials.")
class AuthenticationError(Error):
    pass


@strawberry.type(description="The caller may not do this.")
class PermissionDeniedError(Error):
    pass


@strawberry.type(description="An id that names nothing the caller can see.")
class NotFoundError(Error):
    pass


@strawberry.type(description="An argument is malformed, unknown or too large.")
class InvalidInputError(Error):
    field: str | None = None


@strawberry.type(description="The request does not fit the current state.")
class InvalidStateError(Error):
    pass


@strawberry.type(description="Somebody else got there first.")
class ConflictError(Error):
    pass


@strawberry.type(description="The channel does not support the operation.")
class UnsupportedOperationError(Error):
    channel: str
    operation: str


@strawberry.type(description="Too many attempts (RATE_LIMITED) or locked after too many failures (LOCKED): "
                             "try again at retryAt.")
class RetryLaterError(Error):
    retry_after_seconds: int
    retry_at: datetime


ERROR_TYPES = (
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    InvalidInputError,
    InvalidStateError,
    ConflictError,
    UnsupportedOperationError,
)


def as_error(exc: core_errors.BacklineError) -> Error:
    base = {"code": exc.code, "message": exc.message}
    if isinstance(exc, core_errors.UnsupportedOperation):
        return UnsupportedOperationError(**base, channel=exc.channel, operation=exc.operation)
    if isinstance(exc, (core_errors.NotAuthenticated, core_errors.InvalidCredentials)):
        return AuthenticationError(**base)
    if isinstance(exc, core_errors.PermissionDenied):
        return PermissionDeniedError(**base)
    if isinstance(exc, core_errors.NotFound):
        return NotFoundError(**base)
    if isinstance(exc, core_errors.InvalidInput):
        field = exc.details.get("field")
        return InvalidInputError(**base, field=str(field) if field is not None else None)
    if isinstance(exc, (core_errors.RateLimited, core_errors.Locked)):
        return RetryLaterError(**base, retry_after_seconds=int(exc.details["retry_after_seconds"]),
                               retry_at=exc.details["retry_at"])
    if isinstance(exc, core_errors.Conflict):
        return ConflictError(**base)
    return InvalidStateError(**base)


def result_union(name: str, *success_types: type) -> object:
    """`Annotated[Success | <every error type>, strawberry.union(name)]`."""
    return Annotated[Union[(*success_types, *ERROR_TYPES)], strawberry.union(name)]


async def attempt(call: Callable[[], Awaitable[T]] | Awaitable[T], success: Callable[[T], S]) -> S | Error:
    """Run a service call; an expected failure becomes its typed error, and nothing the
    service did is half applied (its unit of work rolled back). Given a function, it is called
    inside the guard, so that an argument it parses (a malformed id) fails typed too."""
    try:
        # A command given as a function is run again if the database aborted it to resolve a
        # race (core.store.contention); a coroutine can only run once.
        value = await (retrying(call) if callable(call) else call)
    except core_errors.BacklineError as exc:
        return as_error(exc)
    return success(value)

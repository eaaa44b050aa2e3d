"""One exception hierarchy with stable codes.

Every error a user can cause is a ``TidingsError``: the API renders it as
``application/problem+json`` with its ``code``; the CLI prints one line and
exits non-zero. The codes are part of the public contract: never rename one.
"""

from __future__ import annotations

from typing import Any


class TidingsError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(self.detail)


class InvalidInput(TidingsError):
    status = 422
    code = "invalid_input"
    title = "The request is not valid"


class InvalidTimeZone(InvalidInput):
    code = "invalid_time_zone"
    title = "Unknown time zone"


class BadSearchQuery(InvalidInput):
    code = "bad_search_query"
    title = "The search query cannot be understood"


class InvalidEmail(InvalidInput):
    code = "invalid_email"
    title = "The e-mail address is not valid"


class InvalidReaction(InvalidInput):
    code = "invalid_reaction"
    title = "A reaction is one emoji"


class MessageTooLong(InvalidInput):
    code = "message_too_long"
    title = "The message is too long"


class NotAuthenticated(TidingsError):
    status = 401
    code = "not_authenticated"
    title = "Authentication required"


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    title = "Email or password is wrong"


class TokenInvalid(NotAuthenticated):
    code = "token_invalid"
    title = "The token is invalid, expired or revoked"


class Forbidden(TidingsError):
    status = 403
    code = "forbidden"
    title = "You may not do this"


class NotFound(TidingsError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(TidingsError):
    status = 409
    code = "conflict"
    title = "Conflict"


class AlreadyExists(Conflict):
    code = "already_exists"
    title = "It exists already"


class Gone(TidingsError):
    status = 410
    code = "gone"
    title = "It is gone"


class PayloadTooLarge(TidingsError):
    status = 413
    code = "payload_too_large"
    title = "The request body is too large"


class RateLimited(TidingsError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"Too many requests; retry after {self.retry_after} s")


class LoginThrottled(RateLimited):
    """Too many failed sign-ins for this account, address or server: wait, then retry."""

    code = "login_throttled"
    title = "Too many sign-in attempts"

    def __init__(self, retry_after: float) -> None:
        super().__init__(retry_after)
        self.detail = f"Too many sign-in attempts; try again in {_spoken(self.retry_after)}"
        self.args = (self.detail,)


def _spoken(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minutes"


class FileTooLarge(TidingsError):
    status = 413
    code = "file_too_large"
    title = "The file is too large"


class QuotaExceeded(TidingsError):
    status = 413
    code = "quota_exceeded"
    title = "The workspace's file quota is used up"


class UploadOffsetMismatch(Conflict):
    code = "upload_offset_mismatch"
    title = "The upload is at another offset"


class UploadIncomplete(Conflict):
    code = "upload_incomplete"
    title = "The upload is not complete"


class UploadHashMismatch(InvalidInput):
    code = "upload_hash_mismatch"
    title = "The uploaded bytes do not match the declared SHA-256"


class RangeNotSatisfiable(TidingsError):
    status = 416
    code = "range_not_satisfiable"
    title = "The requested range is not in the file"


class StorageUnavailable(TidingsError):
    """The database cannot take writes right now; nothing of the request was saved."""

    status = 503
    code = "storage_unavailable"
    title = "Storage is unavailable"

    def __init__(self, reason: str, retry_after: int = 5) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(
            f"Changes cannot be saved right now: {reason}. Nothing was saved;"
            f" try again in {retry_after} s.",
            reason=reason,
        )

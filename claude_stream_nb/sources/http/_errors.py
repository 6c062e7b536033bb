"""Errors of the live client, as a small tree::

    ClaudeError
    ├── APIError                 the API said no: an HTTP error status, or an ``error`` event mid-stream
    │   ├── InvalidRequestError        400 invalid_request_error
    │   ├── AuthenticationError        401 authentication_error
    │   ├── BillingError               402 billing_error
    │   ├── PermissionDeniedError      403 permission_error
    │   ├── NotFoundError              404 not_found_error
    │   ├── ConflictError              409 conflict_error
    │   ├── RequestTooLargeError       413 request_too_large
    │   ├── RateLimitError             429 rate_limit_error
    │   ├── APIServerError             500 api_error (and other 5xx)
    │   ├── GatewayTimeoutError        504 timeout_error
    │   └── OverloadedError            529 overloaded_error
    ├── ConnectionFailed         the network failed, and retries/reconnects did not help
    └── UnexpectedResponseError  HTTP 200, but not the Messages API's event stream (an HTML
                                 login page from a proxy, JSON from a wrong URL): never retried

Every error carries the partial message received before it (``.message``, possibly empty), so
nothing that arrived is lost. Messages never contain the API key.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "APIServerError",
    "AuthenticationError",
    "BillingError",
    "ClaudeError",
    "ConflictError",
    "ConnectionFailed",
    "GatewayTimeoutError",
    "InvalidRequestError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "UnexpectedResponseError",
    "api_error",
]


class ClaudeError(Exception):
    """Base of the live client's errors."""

    def __init__(self, text: str, *, message: Any = None) -> None:
        super().__init__(text)
        self.message = message
        """The partial message (a :class:`~claude_stream_nb.Message`) received before the error."""


class APIError(ClaudeError):
    """The API answered with an error: an HTTP status, or an ``error`` event after HTTP 200."""

    error_type = "api_error"

    def __init__(
        self,
        text: str,
        *,
        status: int | None = None,
        error_type: str | None = None,
        request_id: str | None = None,
        message: Any = None,
    ) -> None:
        self.status = status
        """HTTP status (200 for an ``error`` event mid-stream)."""
        self.type = error_type or self.error_type
        self.request_id = request_id
        self.text = text
        where = f"HTTP {status}" if status and status != 200 else "error event"
        request = f", request {request_id}" if request_id else ""
        super().__init__(f"{self.type} ({where}{request}): {text}", message=message)


class InvalidRequestError(APIError):
    error_type = "invalid_request_error"


class AuthenticationError(APIError):
    error_type = "authentication_error"


class BillingError(APIError):
    error_type = "billing_error"


class PermissionDeniedError(APIError):
    error_type = "permission_error"


class NotFoundError(APIError):
    error_type = "not_found_error"


class ConflictError(APIError):
    error_type = "conflict_error"


class RequestTooLargeError(APIError):
    error_type = "request_too_large"


class RateLimitError(APIError):
    error_type = "rate_limit_error"


class APIServerError(APIError):
    error_type = "api_error"


class GatewayTimeoutError(APIError):
    error_type = "timeout_error"


class OverloadedError(APIError):
    error_type = "overloaded_error"


class ConnectionFailed(ClaudeError):
    """The connection failed (refused, reset, cut mid-stream, stalled) and retrying did not help."""


class UnexpectedResponseError(ClaudeError):
    """The server answered 200 with something that is not an event stream, or an event stream
    with no events in it. The message says what arrived (a short, escaped preview)."""


_BY_TYPE: dict[str, type[APIError]] = {
    cls.error_type: cls
    for cls in (
        InvalidRequestError,
        AuthenticationError,
        BillingError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        RequestTooLargeError,
        RateLimitError,
        APIServerError,
        GatewayTimeoutError,
        OverloadedError,
    )
}
_BY_STATUS: dict[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: BillingError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    429: RateLimitError,
    500: APIServerError,
    504: GatewayTimeoutError,
    529: OverloadedError,
}


def api_error(
    status: int | None, error_type: str | None, text: str, request_id: str | None, message: Any = None
) -> APIError:
    """The typed error for an error type (or, failing that, an HTTP status)."""
    cls = _BY_TYPE.get(error_type or "") or _BY_STATUS.get(status or 0)
    if cls is None:
        cls = APIServerError if (status or 0) >= 500 else APIError
    return cls(text, status=status, error_type=error_type, request_id=request_id, message=message)

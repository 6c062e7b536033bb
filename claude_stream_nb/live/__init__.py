"""Live streams: the Messages API over httpx, and the official SDK's streams, into the view."""

from ._client import Claude, astream, stream
from ._errors import (
    APIError,
    APIServerError,
    AuthenticationError,
    BillingError,
    ClaudeError,
    ConflictError,
    ConnectionFailed,
    GatewayTimeoutError,
    InvalidRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
)
from ._sdk import ashow, show

__all__ = [
    "APIError",
    "APIServerError",
    "AuthenticationError",
    "BillingError",
    "Claude",
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
    "ashow",
    "astream",
    "show",
    "stream",
]

"""The Messages API over httpx: a client whose retry and reconnect decisions are a sans-I/O
:class:`~._session.Session`, and the typed errors it raises."""

from ._client import Client
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
    UnexpectedResponseError,
)

__all__ = [
    "APIError",
    "APIServerError",
    "AuthenticationError",
    "BillingError",
    "ClaudeError",
    "Client",
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
]

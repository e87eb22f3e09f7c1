"""API-Football v3 over HTTP: the client and the failures it reports."""

from .client import FREE_ENDPOINTS, ApiClient, ApiResponse
from .errors import (
    ApiError,
    BadResponse,
    BudgetSpent,
    KeyRejected,
    NetworkError,
    Offline,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)

__all__ = [
    "FREE_ENDPOINTS", "ApiClient", "ApiError", "ApiResponse", "BadResponse", "BudgetSpent", "KeyRejected",
    "NetworkError", "Offline", "ProviderError", "QuotaExhausted", "RateLimited",
]

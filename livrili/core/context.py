"""Per-request context (request id, client IP, user agent) for logs and the audit trail."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = "-"
    ip: str | None = None
    user_agent: str = ""


current = ContextVar("livrili_request_context", default=RequestContext())  # noqa: B039 - frozen

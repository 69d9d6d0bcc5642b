"""The HTTP status of each domain error code: the one table the API and the pages answer with."""
from __future__ import annotations

from quiz.errors import DomainError

STATUSES = {
    "malformed_json": 400, "csrf_failed": 400,
    "not_logged_in": 401, "invalid_credentials": 401,
    "forbidden": 403, "contest_not_open": 403, "contest_closed": 403, "attempt_limit_reached": 403,
    "consent_required": 403,
    "not_found": 404, "round_not_found": 404, "not_ranked": 404,
    "attempt_closed": 409, "busy": 409, "email_taken": 409, "phone_taken": 409, "slug_taken": 409, "round_taken": 409,
    "not_open": 409, "contest_has_attempts": 409, "bank_too_small": 409,
    "enrollment_required": 409, "enrollment_locked": 409, "report_resolved": 409,
    "invalid_fields": 422, "invalid_option": 422, "invalid_token": 422, "invalid_code": 422,
    "too_many_attempts": 429,
}
DEFAULT = 400  # a code missing from the table is the client's fault until someone says otherwise


def status_of(exc: DomainError) -> int:
    return STATUSES.get(exc.code, DEFAULT)


def headers_of(exc: DomainError) -> dict:
    """Headers some codes carry: how long to wait before trying again."""
    wait = exc.params.get("retry_after_s")
    return {"Retry-After": str(wait)} if wait is not None else {}

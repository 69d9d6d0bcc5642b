"""Domain errors: a code, a Vietnamese message, the fields at fault and parameters, shown as-is by the API and
the pages. What HTTP status a code answers with is the web layer's business (quiz.web.statuses)."""
from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, message: str, fields: dict | None = None, params: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields
        self.params = params or {}

    def as_json(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


def not_found(what: str = "Không tìm thấy.") -> DomainError:
    return DomainError("not_found", what)


def invalid(fields: dict, message: str = "Dữ liệu không hợp lệ.") -> DomainError:
    return DomainError("invalid_fields", message, fields)

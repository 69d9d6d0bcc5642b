"""Domain errors: a code, a status and a Vietnamese message, shown as-is by the API and the pages."""
from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, status: int | None = None, fields: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields
        if status is not None:
            self.status = status

    def as_json(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


def not_found(what: str = "Không tìm thấy.") -> DomainError:
    return DomainError("not_found", what, 404)


def invalid(fields: dict, message: str = "Dữ liệu không hợp lệ.") -> DomainError:
    return DomainError("invalid_fields", message, 422, fields)

"""Domain errors: a code, a Vietnamese message, the fields at fault and parameters. What HTTP status a code
answers with is the web layer's business (quiz.web.statuses), and so is the language: messages (and field
messages) are Vietnamese msgids marked with ``quiz.i18n.N_``, or ``quiz.i18n.Text`` for those with values, which
the web layer says in the request's language (quiz.web.locale)."""
from __future__ import annotations

from quiz.i18n import N_


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


def not_found(what: str = N_("Không tìm thấy.")) -> DomainError:
    return DomainError("not_found", what)


def invalid(fields: dict, message: str = N_("Dữ liệu không hợp lệ."), params: dict | None = None) -> DomainError:
    return DomainError("invalid_fields", message, fields, params)

"""Domain errors: a code, a Vietnamese message, the fields at fault and parameters. What HTTP status a code
answers with is the web layer's business (quiz.web.statuses), and so is the language: the message is a
Vietnamese msgid (marked with ``quiz.i18n.N_``) with ``%(name)s`` places filled from ``values``, which the web
layer translates (quiz.web.locale); ``message`` is the Vietnamese text, filled in."""
from __future__ import annotations

from quiz.i18n import N_


class DomainError(Exception):
    def __init__(self, code: str, message: str, fields: dict | None = None, params: dict | None = None,
                 values: dict | None = None):
        self.template = message
        self.values = values or {}
        self.message = message % self.values if values else message
        super().__init__(self.message)
        self.code = code
        self.fields = fields
        self.params = params or {}

    def as_json(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


def not_found(what: str = N_("Không tìm thấy."), values: dict | None = None) -> DomainError:
    return DomainError("not_found", what, values=values)


def invalid(fields: dict, message: str = N_("Dữ liệu không hợp lệ."), params: dict | None = None) -> DomainError:
    return DomainError("invalid_fields", message, fields, params)

"""Errors as JSON objects under /api and as pages elsewhere, in the request's language; never a 500 for bad input."""
from __future__ import annotations

from flask import Flask, flash, g, jsonify, redirect, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from quiz.errors import DomainError
from quiz.i18n import N_
from quiz.infra import metrics
from quiz.infra.database import unavailable
from quiz.web.access import login_redirect
from quiz.web.locale import error_json, error_message, text
from quiz.web.statuses import headers_of, status_of

PAGE_MESSAGES = {
    400: N_("Yêu cầu không hợp lệ."),
    401: N_("Vui lòng đăng nhập."),
    403: N_("Bạn không có quyền truy cập trang này."),
    404: N_("Không tìm thấy trang."),
    405: N_("Phương thức không được hỗ trợ."),
    409: N_("Yêu cầu xung đột với trạng thái hiện tại."),
    413: N_("Tệp gửi lên quá lớn."),
    422: N_("Dữ liệu không hợp lệ."),
    429: N_("Bạn thao tác quá nhanh, vui lòng thử lại sau."),
    500: N_("Đã có lỗi ở máy chủ. Vui lòng thử lại."),
}
# While the database cannot serve (stopped, unreachable, or SQLite's write lock held past its timeout).
DATABASE_RETRY_AFTER_S = 5
DATABASE_MESSAGE = N_("Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít giây; "
                      "dữ liệu đã lưu trước đó không bị mất.")
CODES = {400: "bad_request", 401: "not_logged_in", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid_fields", 429: "rate_limited", 500: "server_error"}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status


def database_unavailable(app: Flask, kind: str):
    """503 with Retry-After; the page stands alone (base.html would ask the database who is logged in)."""
    from quiz.infra.extensions import db

    metrics.database_error(kind)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: the pool replaces it, the session starts afresh
        db.session.remove()
    if _is_api():
        response = app.make_response((jsonify({"error": {"code": "database_unavailable",
                                                         "message": text(DATABASE_MESSAGE)}}), 503))
    else:
        # Flask-Login's template context would load the user from the database: render as a visitor.
        g._login_user = app.login_manager.anonymous_user()
        response = app.make_response((render_template("unavailable.html", message=text(DATABASE_MESSAGE),
                                                      retry_after=DATABASE_RETRY_AFTER_S), 503))
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_errors(app: Flask) -> None:
    """A database that cannot serve (OperationalError: refused, lost, locked past the timeout; no pooled
    connection in time) is a 503 the client retries, never a 500. The app recovers by itself: the session
    is rolled back and the pool's pre-ping replaces dead connections."""

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_error(exc: Exception):
        kind = unavailable(exc) or "operational"
        app.logger.warning("database unavailable (%s) on %s %s: %s", kind, request.method, request.path, exc)
        return database_unavailable(app, kind)


def init_app(app: Flask) -> None:
    _database_errors(app)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        from quiz.infra.extensions import db

        db.session.rollback()
        status = status_of(exc)
        if _is_api():
            return jsonify(error_json(exc)), status, headers_of(exc)
        if status in (401,):
            return login_redirect()
        if request.method == "POST" and status in (403, 409):
            flash(error_message(exc), "error")
            return redirect(request.referrer or "/")
        return _page(status, error_message(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        error = DomainError("csrf_failed", N_("Phiên làm việc đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Vui lòng tải "
                                              "lại trang và thử lại."))
        if _is_api():
            return jsonify(error_json(error)), status_of(error)
        return _page(400, error_message(error))

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded):
        from quiz.infra.limits import retry_after_s

        wait = retry_after_s(exc)
        metrics.rate_limited()
        message = text(N_("Bạn thao tác quá nhanh. Vui lòng thử lại sau %(wait)s giây."), {"wait": wait})
        response = app.make_response((jsonify({"error": {"code": "rate_limited", "message": message}}), 429)
                                     if _is_api() else _page(429, message))
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)  # raised outside the view, e.g. saving the session
        if isinstance(exc, InternalServerError) and original is not None and unavailable(original):
            return database_unavailable(app, unavailable(original))
        status = exc.code or 500
        message = text(PAGE_MESSAGES[status]) if status in PAGE_MESSAGES else exc.description or text(N_("Lỗi."))
        if _is_api():
            response = app.make_response((jsonify({"error": {"code": CODES.get(status, "http_error"),
                                                             "message": message}}), status))
        else:
            response = app.make_response(_page(status, message))
        # Keep the exception's own headers: a 405 must say which methods are allowed (RFC 9110).
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from quiz.infra.extensions import db

        db.session.rollback()
        if _is_api():
            return jsonify({"error": {"code": "server_error", "message": text(PAGE_MESSAGES[500])}}), 500
        return _page(500, text(PAGE_MESSAGES[500]))

"""Security headers on every response, Secure cookies over HTTPS, and trusting a reverse proxy when told to.

The pages have no inline script, style or event handler (the quiz and the
dashboard run from static/*.js), so the policy allows only this origin.
"""
from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HSTS = "max-age=31536000"  # no includeSubDomains: the alliance's other sites are not ours to decide for


class SecureCookieResponse(Response):
    """A cookie set in answer to an HTTPS request is Secure, whatever SESSION_COOKIE_SECURE says.

    One place for the session cookie (set after every after_request hook) and
    Flask-Login's remember cookie alike.
    """

    def set_cookie(self, key, *args, **kwargs):
        if len(args) < 6 and has_request_context() and request.is_secure:
            kwargs["secure"] = True
        super().set_cookie(key, *args, **kwargs)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:  # over plain HTTP the header is ignored, and would pin a site that has no HTTPS
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.response_class = SecureCookieResponse
    app.after_request(add_headers)
    x_for, x_proto = app.config.get("PROXY_FIX_X_FOR", 0), app.config.get("PROXY_FIX_X_PROTO", 0)
    if x_for or x_proto:
        # Only behind a proxy that sets these headers: otherwise anyone could choose their address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto)

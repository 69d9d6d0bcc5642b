"""Every POST route that logs someone in, makes an account or sends mail declares a rate limit at its view
(quiz.infra.limits), and the limiter really wraps it. Walks the app's own URL map, so a route added later
without a limit fails here instead of going unlimited."""
import inspect
import re

from quiz import create_app

# What such a view calls, by name: logging in (a password check, a session), registering, mailing.
SENSITIVE_CALLS = ("login_user(", "authenticate(", "change_password(", "create_user(", "request_reset(",
                   "send_reset_link(", "send_reset_code(", "sms_reset.", "mail.", "sms.")


def make_app(**config):
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test-secret", "TESTING": True,
                       **config})


def sensitive_post_routes(app):
    """(rule, view) of each POST route whose view calls one of SENSITIVE_CALLS."""
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        view = app.view_functions[rule.endpoint]
        source = inspect.getsource(inspect.unwrap(view))
        # "mail." as a name of its own (the mail module), not the end of "email."
        if any(re.search(r"(?<![\w.])" + re.escape(call), source) for call in SENSITIVE_CALLS):
            yield rule, view


def test_every_login_register_or_mail_route_declares_a_limit():
    app = make_app()
    routes = list(sensitive_post_routes(app))
    found = {rule.rule for rule, _view in routes}
    # The walk sees what it should: the pages and the API's logins, registrations and reset mails.
    assert {"/login", "/register", "/forgot-password", "/account/password", "/api/v1/auth/login",
            "/api/v1/auth/register", "/api/v1/auth/password-reset", "/api/v1/auth/password",
            "/reset-password/code", "/api/v1/auth/password-reset/code"} <= found, found
    for rule, view in routes:
        declared = getattr(view, "rate_limits", ())
        assert declared, f"{rule.rule} ({rule.endpoint}) logs in, registers or sends mail without a rate limit"
        assert {limit.method for limit in declared} <= rule.methods, rule.rule
        for limit in declared:
            assert app.config[limit.setting], (rule.rule, limit.setting)  # a setting that exists
        # This app's limiter wrapped the view (Flask-Limiter marks its wrappers with the limiter).
        assert getattr(view, "__wrapper-limiter-instance", None) is not None, rule.rule


def test_the_walk_notices_an_unlimited_login_route():
    """A new login-like route without a declaration is caught (the check above is not vacuous)."""
    app = make_app()

    @app.post("/dang-nhap-nhanh")
    def quick_login():
        from flask_login import login_user

        login_user(None)

    unlimited = [rule.rule for rule, view in sensitive_post_routes(app) if not getattr(view, "rate_limits", ())]
    assert unlimited == ["/dang-nhap-nhanh"]

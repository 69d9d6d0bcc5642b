"""Contest platform for the Law on Cooperatives 2023: the application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Create the app: config from the environment, then ``config`` on top (tests)."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(__name__, instance_path=str(root / "instance"), instance_relative_config=True,
                template_folder=str(root / "templates"), static_folder=str(root / "static"))
    from quiz.infra.settings import from_env

    app.config.from_mapping(from_env(Path(app.instance_path)))
    if config:
        app.config.update(config)
    from quiz.web.sessions import CachedCookieSessionInterface

    app.session_interface = CachedCookieSessionInterface()
    app.json.sort_keys = False  # key order is not part of the contract; sorting big payloads costs time
    app.json.ensure_ascii = False  # Vietnamese as UTF-8, not \\u escapes
    register_extensions(app)
    register_blueprints(app)
    register_protections(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from quiz.infra import database, metrics
    from quiz.infra.extensions import babel, csrf, db, login_manager, migrate

    database.configure(app)
    db.init_app(app)
    database.tune(app)
    metrics.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    from flask_babel import gettext

    from quiz.i18n import N_
    from quiz.infra import catalogs
    from quiz.web import locale

    catalogs.compile_all(app.logger)  # a fresh clone has the .po files only
    babel.init_app(app, locale_selector=locale.select, default_translation_directories=str(catalogs.DIRECTORY))
    locale.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "account.login"
    login_manager.login_message = N_("Vui lòng đăng nhập để tiếp tục.")
    login_manager.localize_callback = gettext

    @login_manager.user_loader
    def load_user(login_id: str):
        # "id:session version": a password change ends the account's other sessions (quiz.accounts.session_version).
        from quiz.accounts.session_version import load_user
        from quiz.web.sessions import end_stale_session

        user = load_user(db.session, login_id)
        if user is None:
            end_stale_session()
        return user



def register_blueprints(app: Flask) -> None:
    from quiz.infra.extensions import csrf
    from quiz.web import access
    from quiz.web.account import bp as account_bp
    from quiz.web.admin import bp as admin_bp
    from quiz.web.api import bp as api_bp
    from quiz.web.ceremony import bp as ceremony_bp
    from quiz.web.certificates import bp as certificates_bp  # also adds its routes to the API's blueprint
    from quiz.web.dashboard import bp as dashboard_bp
    from quiz.web.ops import bp as ops_bp
    from quiz.web.organizations import bp as organizations_bp
    from quiz.web.organizer import bp as organizer_bp
    from quiz.web.pages import bp as pages_bp
    from quiz.web.preferences import bp as preferences_bp
    from quiz.web.privacy import bp as privacy_bp
    from quiz.web.suspicious import bp as suspicious_bp
    from quiz.web.verdicts import bp as judges_bp

    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API checks its header token itself (quiz.web.api_csrf)
    app.register_blueprint(pages_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(organizer_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(suspicious_bp)
    app.register_blueprint(judges_bp)
    app.register_blueprint(ceremony_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(preferences_bp)
    access.init_app(app)  # the role policy for the templates


def register_protections(app: Flask) -> None:
    """Security headers and rate limits (these wrap the views, so after the blueprints)."""
    from quiz.infra import headers, limits

    headers.init_app(app)
    limits.init_app(app)
    for endpoint in ("ops.healthz", "ops.metrics_text"):  # probes are never refused
        app.extensions["quiz_limiter"].exempt(app.view_functions[endpoint])


def register_errorhandlers(app: Flask) -> None:
    from quiz.web.errorpages import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    from quiz.cli import init_app

    init_app(app)

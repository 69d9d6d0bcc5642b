"""Work done after the request on a thread of its own, with the app's context and a database session."""
from __future__ import annotations

import threading

from flask import current_app


def run_in_app(job, name: str = "background") -> threading.Thread:
    """Start ``job(session)`` on a daemon thread inside the current app's context; errors are logged."""
    from quiz.infra.extensions import db

    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                job(db.session)
            except Exception:
                app.logger.exception("background job %s failed", name)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread

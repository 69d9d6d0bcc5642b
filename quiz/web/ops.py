"""For operators and their tools: GET /healthz for a load balancer, GET /metrics for Prometheus.

Neither touches the session (no cookie is set) nor is rate limited: a prober asks every few seconds.
"""
from __future__ import annotations

import hmac
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from threading import Lock

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_babel import gettext as _

from quiz.infra import database, metrics
from quiz.infra.extensions import db

bp = Blueprint("ops", __name__)

# A database that does not answer within this many seconds is "unavailable". The query runs on a thread
# of its own so that a server that hangs (rather than refuses) cannot hold the prober past this time;
# one thread per process, so a hung check never piles up more than one stuck connection.
HEALTH_TIMEOUT_S = 2.0
_checker: ThreadPoolExecutor | None = None
_checker_lock = Lock()


def _executor() -> ThreadPoolExecutor:
    global _checker
    with _checker_lock:  # made lazily: a thread started before gunicorn forks would not exist in the worker
        if _checker is None:
            _checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
        return _checker


@bp.get("/healthz")
def healthz():
    future = _executor().submit(database.ping, db.engine)
    try:
        future.result(timeout=HEALTH_TIMEOUT_S)
    except FutureTimeout:
        future.cancel()
        current_app.logger.warning("healthz: the database did not answer within %s s", HEALTH_TIMEOUT_S)
        return jsonify(status="unavailable"), 503
    except Exception as error:  # any failure to run SELECT 1 means the database cannot serve
        current_app.logger.warning("healthz: the database is unavailable: %s", error)
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")


@bp.get("/metrics")
def metrics_text():
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)  # metrics are off unless an operator sets a token
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(_("Cần mã truy cập: Authorization: Bearer <METRICS_TOKEN>.\n"), 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain; charset=utf-8"})
    body, content_type = metrics.exposition()
    return Response(body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"})

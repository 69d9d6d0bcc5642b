"""Prometheus metrics: requests and their durations, answers saved, attempts started and finished,
rate-limit refusals and database errors.

Under gunicorn every worker is a process of its own. With PROMETHEUS_MULTIPROC_DIR set (the gunicorn
config ``deploy/gunicorn.conf.py`` sets it, and cleans it at start) each process writes its counts to
files there and ``GET /metrics`` sums them all; without it (``flask run``, tests) the counts are this
process's. The variable must be set before prometheus_client is first imported, which the config file does.

The domain knows nothing of this: it notes what its committed transactions did
(``quiz.infra.database.note``) and this module counts those notes; the web layer counts requests.
"""
from __future__ import annotations

import os
import time

from flask import Flask, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from quiz.infra import database

REQUESTS = Counter("quiz_http_requests_total", "HTTP requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"])
DURATION = Histogram("quiz_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint and status",
                     ["endpoint", "method", "status"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
ANSWERS_SAVED = Counter("quiz_answers_saved_total", "Answers saved and acknowledged (PUT .../answers/...)")
ATTEMPTS_STARTED = Counter("quiz_attempts_started_total", "Attempts started (not resumed)")
ATTEMPTS_FINISHED = Counter("quiz_attempts_finished_total", "Attempts closed and scored, by how",
                            ["how"])  # submitted or expired
RATE_LIMITED = Counter("quiz_rate_limited_total", "Requests refused by a rate limit (429), by endpoint",
                       ["endpoint"])
DATABASE_ERRORS = Counter("quiz_database_errors_total",
                          "Requests answered 503 because the database could not serve them, by kind",
                          ["kind"])  # disconnect, locked, timeout, operational

_START = "quiz.metrics.start"


def _endpoint() -> str:
    # The route's name, never the raw path: unknown paths would make a new series each.
    return request.endpoint or "unmatched"


def _on_committed(name: str, label: str) -> None:
    if name == "attempt_started":
        ATTEMPTS_STARTED.inc()
    elif name == "attempt_finished":
        ATTEMPTS_FINISHED.labels(how=label).inc()


def init_app(app: Flask) -> None:
    database.on_commit(_on_committed)

    @app.before_request
    def start_clock():
        request.environ[_START] = time.perf_counter()

    @app.after_request
    def count(response):
        started = request.environ.get(_START)
        labels = {"endpoint": _endpoint(), "method": request.method, "status": str(response.status_code)}
        REQUESTS.labels(**labels).inc()
        if started is not None:
            DURATION.labels(**labels).observe(time.perf_counter() - started)
        if labels["endpoint"] == "api.save_answer" and response.status_code == 200:
            ANSWERS_SAVED.inc()
        return response


def rate_limited() -> None:
    RATE_LIMITED.labels(endpoint=_endpoint()).inc()


def database_error(kind: str) -> None:
    DATABASE_ERRORS.labels(kind=kind).inc()


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format: every process's when in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST

"""The whole JSON API fuzzed from docs/openapi.yaml with Schemathesis, as a visitor, a participant and an organizer.

Every generated request (valid and invalid bodies, parameters, missing
headers; Schemathesis's boundary-value "coverage" cases too) must get an
answer that is not a 5xx, whose status the spec documents for that operation,
with the documented content type, body schema and headers.

The normal suite runs a small derandomized budget on SQLite;
``FUZZ_EXAMPLES=500 ./test tests/test_fuzz_api.py`` fuzzes longer.
"""
from __future__ import annotations

import os
from datetime import timedelta

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.helpers import PASSWORD, ROOT, ApiClient, make_questions, migrate

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SCHEMA = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.yaml")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, missing_required_header, unsupported_method]
# Not positive_data_acceptance: a valid-looking email or option id the app does not know is rightly refused.
ROLES = {"visitor": None, "participant": "p@example.vn", "organizer": "btc@example.vn"}
# Real path values the generated ones are sometimes swapped for, so requests get past "not found".
KNOWN: dict[str, list[str]] = {"slug": ["thi-thu", "da-dong"], "id": [], "question_id": []}


@SCHEMA.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, real slugs, attempt ids (anyone's: others' must be 404) and question ids."""
    if not path_parameters or not isinstance(path_parameters, dict):
        return st.just(path_parameters)
    real = {}
    for name, value in path_parameters.items():
        valid = isinstance(value, str) and (name != "id" or value.isdigit())  # keep negative cases negative
        real[name] = st.sampled_from(KNOWN[name]) if valid and KNOWN.get(name) else st.just(value)
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(real))


def _seed(session) -> None:
    """Two contests (one open, one closed with a round and frozen results), people, attempts in every state."""
    from quiz.accounts.users import create_user
    from quiz.bank.questions import import_questions
    from quiz.contest.attempts import start_attempt, submit
    from quiz.contest.contests import close_now, create_contest
    from quiz.contest.rounds import create_round
    from quiz.models import utcnow

    import_questions(session, make_questions())
    now = utcnow()
    open_ = create_contest(session, slug="thi-thu", title="Cuộc thi thử", opens_at=now - timedelta(hours=1),
                           closes_at=now + timedelta(days=1), max_attempts=1000, prize_tiers="1:Giải Nhất")
    closed = create_contest(session, slug="da-dong", title="Đã đóng", opens_at=now - timedelta(days=2),
                            closes_at=now + timedelta(days=1), question_count=5, blueprint="1-12:5")
    create_round(session, closed, number=1, opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1))
    for role, email in ROLES.items():
        if email:
            create_user(session, email=email, full_name=f"=Thử {role}", password=PASSWORD, unit="+HTX",
                        role="participant" if role == "participant" else "organizer")
    for i in range(3):
        user = create_user(session, email=f"khac{i}@example.vn", full_name=f"Người {i}", password=None,
                           locality="-Cần Thơ")
        for contest, when in ((open_, now), (closed, now - timedelta(days=1, hours=12))):
            attempt, _ = start_attempt(session, user.id, contest, now=when)
            submit(session, attempt.id, user.id, prediction=i, now=when + timedelta(minutes=5))
    close_now(session, closed)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """The app on a SQLite database of its own, limits off, seeded; ``KNOWN`` filled with its real ids."""
    from quiz import create_app
    from quiz.infra.extensions import db
    from quiz.models import AttemptQuestion

    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'quiz.db'}"
    migrate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "fuzz-secret", "RATELIMIT_ENABLED": False})
    with app.app_context():
        _seed(db.session)
        rows = db.session.query(AttemptQuestion.attempt_id, AttemptQuestion.question_id).all()
        KNOWN["id"] = sorted({str(a) for a, _q in rows})
        KNOWN["question_id"] = sorted({str(q) for _a, q in rows})[:10]
        db.session.remove()
    yield app
    KNOWN["id"], KNOWN["question_id"] = [], []
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def credentials(fuzz_app):
    """role -> (session cookie, CSRF token); the participant and the organizer each have an attempt going."""
    out = {}
    for role, email in ROLES.items():
        api = ApiClient(fuzz_app)
        if email:
            assert api.login(email, PASSWORD).status_code == 200
            assert api.post("/api/v1/contests/thi-thu/attempts").status_code == 201
        out[role] = (api.http.get_cookie("session").value, api.token)
    return out


@pytest.mark.parametrize("role", list(ROLES))
@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_answers_as_its_spec_says(case, role, fuzz_app, credentials):
    cookie, token = credentials[role]
    # The fixed request is logged in with a valid CSRF token, except where the case leaves the cookie out on purpose
    # (a header it leaves out on purpose Schemathesis drops itself).
    anonymous = case.meta is not None and case.meta.is_negative_at(ParameterLocation.COOKIE)
    case.call_and_validate(app=fuzz_app, headers={"X-CSRFToken": token},
                           cookies={} if anonymous else {"session": cookie}, checks=CHECKS)

"""The JSON API of docs/api.md, under /api/v1. Thin: parse, call the domain, shape the answer."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, session
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from quiz import places, roles
from quiz.accounts import privacy, reset, session_version, sms_reset, users
from quiz.contest import attempts, contests, ranking, scope, units
from quiz.contest.rounds import get_round
from quiz.contest.stats import shared_stats
from quiz.errors import DomainError, invalid, not_found
from quiz.files import exports
from quiz.i18n import N_
from quiz.infra import audit, limits
from quiz.infra.database import reading
from quiz.infra.extensions import db
from quiz.models import Contest, utcnow
from quiz.timeutil import iso, vn_iso
from quiz.web import locale
from quiz.web.account import send_reset_code, send_reset_link
from quiz.web.actor import actor, client_ip
from quiz.web.api_csrf import check_csrf
from quiz.web.fingerprint import client_marks
from quiz.web.payloads import (
    attempt_json,
    contest_json,
    place_json,
    report_json,
    result_json,
    unit_json,
    user_json,
)
from quiz.web.sessions import end_stale_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(check_csrf)  # instead of CSRFProtect's generic check (see api_csrf)


def _grace() -> float:
    return current_app.config["ANSWER_GRACE_S"]


def _json_body(required: bool = True) -> dict:
    """Return the request's JSON object; 400 when it is not one."""
    if not request.data and not required:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("malformed_json", N_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data


def _not_logged_in() -> DomainError:
    return DomainError("not_logged_in", N_("Vui lòng đăng nhập."))


def _user_id() -> int:
    """The logged-in user's id, read from the session without loading the user (hot path); a session
    from before a password change is refused (quiz.accounts.session_version)."""
    login_id = session.get("_user_id")
    if not login_id and current_user.is_authenticated:  # restored from the remember-me cookie
        login_id = current_user.get_id()
    parsed = session_version.parse(login_id) if login_id else None
    if parsed is None:
        raise _not_logged_in()
    if not session_version.is_current(db.session, *parsed):
        end_stale_session()
        raise _not_logged_in()
    return parsed[0]


def _current_user():
    """The logged-in user, loaded (and checked) by Flask-Login; 401 when there is none."""
    _user_id()
    if not current_user.is_authenticated:
        raise _not_logged_in()
    return current_user._get_current_object()


NO_ATTEMPT, NO_QUESTION = N_("Không tìm thấy lượt thi."), N_("Không tìm thấy câu hỏi.")


def _int_id(value: str, what: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise DomainError("not_found", what)
    return int(value)


@bp.get("/csrf")
def csrf_token():
    return jsonify(csrf_token=generate_csrf())


@bp.post("/auth/register")
@limits.register
def register():
    data = _json_body()
    password = data.get("password")
    ip, device = client_marks()
    user = users.create_user(db.session, full_name=data.get("full_name"), email=data.get("email"),
                                password=password if isinstance(password, str) else "",
                                phone=data.get("phone") or "", unit=data.get("unit") or "",
                                locality=data.get("locality") or "", ip=ip, device=device,
                                consent=data.get("consent") is True,
                                locality_code=data.get("locality_code"))
    login_user(user)
    return jsonify(user=user_json(user)), 201


@bp.post("/auth/login")
@limits.login
def login():
    data = _json_body()
    # An email or a mobile number ("phone"): the same lockout and limits (counted under the normalised name).
    login = data.get("email") if data.get("email") is not None else data.get("phone")
    user = users.authenticate(db.session, login, data.get("password"))
    login_user(user, remember=bool(data.get("remember")))
    return jsonify(user=user_json(user))


@bp.post("/auth/logout")
def logout():
    logout_user()
    return "", 204


@bp.post("/auth/password")
@limits.password_check
def change_password():
    user = _current_user()
    data = _json_body()
    user = users.change_password(db.session, user, data.get("current_password"), data.get("new_password"),
                                 actor(user))
    # This session goes on under the new version (and its remember-me cookie); the account's others end.
    login_user(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)
    return "", 204


@bp.post("/auth/password-reset")
@limits.password_reset
def password_reset():
    data = _json_body()
    if data.get("email") is None and data.get("phone") is not None:  # an account by phone: a code by SMS
        send_reset_code(data.get("phone"))
        return jsonify(message=locale.text(sms_reset.SENT)), 202
    send_reset_link(data.get("email"))
    return jsonify(message=locale.text(reset.SENT)), 202


@bp.post("/auth/password-reset/code")
@limits.reset_code
def password_reset_code():
    """The code sent by SMS and the new password (quiz.accounts.sms_reset)."""
    data = _json_body()
    sms_reset.confirm_code(db.session, current_app.secret_key, data.get("phone"), data.get("code"),
                           data.get("password"), client_ip())
    return "", 204


@bp.post("/auth/password-reset/confirm")
def password_reset_confirm():
    data = _json_body()
    reset.confirm_reset(db.session, current_app.secret_key, data.get("token"), data.get("password"),
                        current_app.config["PASSWORD_RESET_MAX_AGE_S"], client_ip())
    return "", 204


@bp.get("/me")
def me():
    return jsonify(user=user_json(_current_user()))


@bp.get("/me/data")
def my_data():
    """Everything kept about the logged-in person, as a JSON file to keep (quiz.accounts.my_data)."""
    from quiz.accounts.my_data import my_data as build

    uid = _user_id()
    response = jsonify(build(db.session, uid))
    response.headers["Content-Disposition"] = f'attachment; filename="du-lieu-cua-toi-{uid}.json"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy in any cache on the way
    return response


@bp.post("/me/consent")
def give_consent():
    """Consent to the privacy notice, for an account made without it (imported people): 200 with the user."""
    user = privacy.give_consent(db.session, _current_user(), _json_body().get("consent"))
    return jsonify(user=user_json(user))


@bp.post("/me/delete")
@limits.password_check
def delete_me():
    """Erase the person's identity on their request, confirmed with the password (quiz.accounts.privacy): 202,
    logged out, unable to log in again."""
    user = _current_user()
    data = _json_body()
    privacy.erase_on_request(db.session, user, data.get("password"), actor(user))
    logout_user()
    return jsonify(status="erased"), 202


LOCALITIES_MAX_AGE_S = 86400  # the official list changes only with a new release of the app


@bp.get("/localities")
def localities():
    """The 34 provinces, or with ?province=P that province's communes and wards (quiz.places); 404 for an
    unknown province. The same for everyone: caches may keep it."""
    if "province" in request.args:
        wards = places.wards(request.args["province"])
        if wards is None:
            raise not_found(N_("Không có tỉnh, thành phố nào mang mã này."))
        response = jsonify(wards=[place_json(w) for w in wards])
    else:
        response = jsonify(provinces=[place_json(p) for p in places.provinces()])
    response.headers["Cache-Control"] = f"public, max-age={LOCALITIES_MAX_AGE_S}"
    return response


@bp.get("/contests")
def list_contests():
    now = utcnow()
    return jsonify(contests=[contest_json(c, now) for c in contests.list_contests(db.session)])


@bp.get("/contests/<slug>")
def get_contest(slug: str):
    contest = contests.get_contest(db.session, slug)
    if not current_user.is_authenticated:
        return jsonify(contest=contest_json(contest))
    left = attempts.attempts_left(db.session, current_user.id, contest)  # None: without limit (practice)
    return jsonify(contest=contest_json(contest, attempts_left=left))


@bp.get("/contests/<slug>/units")
def contest_units(slug: str):
    """The directory of the contest's organization, searched with or without diacritics (?q=); empty when it
    has none."""
    with reading(db.session):
        contest = contests.get_contest(db.session, slug)
    found = units.find_units(db.session, contest.organization_id, request.args.get("q", "")[:200])
    return jsonify(units=[unit_json(u) for u in found])


@bp.post("/contests/<slug>/enrollment")
def enroll(slug: str):
    """The person picks their unit in the contest's directory: 201 the first time (or a change before any
    attempt), 200 when repeated unchanged."""
    uid = _user_id()
    data = _json_body()
    with reading(db.session):
        contest = contests.get_contest(db.session, slug)
    unit, changed = units.enroll(db.session, uid, contest, data.get("unit_code"))
    return jsonify(enrollment={"unit": unit_json(unit)}), 201 if changed else 200


@bp.post("/contests/<slug>/attempts")
@limits.start
def start_attempt(slug: str):
    uid = _user_id()
    with reading(db.session):
        contest = contests.get_contest(db.session, slug)
    ip, device = client_marks()
    attempt, created = attempts.start_attempt(db.session, uid, contest, grace_s=_grace(), ip=ip, device=device)
    with reading(db.session):
        body = attempt_json(db.session, attempt, contest)
    return jsonify(attempt=body), 201 if created else 200


@bp.get("/attempts/<attempt_id>")
def get_attempt(attempt_id: str):
    uid = _user_id()
    with reading(db.session):
        attempt = attempts.load_attempt(db.session, _int_id(attempt_id, NO_ATTEMPT), uid)
    attempt = attempts.touch(db.session, attempt, grace_s=_grace())
    with reading(db.session):
        contest = db.session.get(Contest, attempt.contest_id)
        body = attempt_json(db.session, attempt, contest)
    return jsonify(attempt=body)


@bp.put("/attempts/<attempt_id>/answers/<question_id>")
@limits.answer_save
def save_answer(attempt_id: str, question_id: str):
    uid = _user_id()
    data = _json_body()
    option_id = data.get("option_id")
    if not isinstance(option_id, str) or not option_id:
        raise invalid({"option_id": "required string"}, N_("Thiếu phương án trả lời."))
    saved_at = attempts.save_answer(db.session, _int_id(attempt_id, NO_ATTEMPT), uid,
                                    _int_id(question_id, NO_QUESTION), option_id[:32], grace_s=_grace())
    return jsonify(question_id=question_id, option_id=option_id, saved_at=saved_at.isoformat(timespec="milliseconds"))


@bp.post("/attempts/<attempt_id>/submit")
def submit(attempt_id: str):
    uid = _user_id()
    data = _json_body(required=False)
    prediction = attempts.validate_prediction(data.get("prediction"))
    raw = data.get("answers")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise invalid({"answers": "an object {question_id: option_id}"}, N_("Danh sách câu trả lời không hợp lệ."))
    answers = {}
    for qid, oid in raw.items():
        if not str(qid).isdigit() or len(str(qid)) > 18:
            raise DomainError("invalid_option", N_("Có câu trả lời không thuộc lượt thi này."),
                              {str(qid): "unknown question"})
        answers[int(qid)] = oid[:32]
    attempt = attempts.submit(db.session, _int_id(attempt_id, NO_ATTEMPT), uid, answers, prediction, grace_s=_grace())
    with reading(db.session):
        contest = db.session.get(Contest, attempt.contest_id)
        body = result_json(attempt, contest, db.session)
    return jsonify(result=body)


def _require_results_reader(contest) -> None:
    """Results are for staff (quiz.roles.READ_RESULTS) who may manage this contest (quiz.contest.scope)."""
    user = _current_user()
    if user.role not in roles.READ_RESULTS:
        raise DomainError("forbidden", N_("Chỉ ban tổ chức và ban giám khảo được xem nội dung này."))
    scope.require(user, contest)


def _scope(contest):
    """The round asked for with ?round=R (None for the whole contest)."""
    return get_round(db.session, contest, request.args.get("round"))


@bp.get("/contests/<slug>/leaderboard")
def leaderboard(slug: str):
    contest = contests.get_contest(db.session, slug)
    rnd = _scope(contest)
    raw = request.args.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise invalid({"limit": "a whole number from 1 to 1000"}, N_("Tham số limit không hợp lệ."))
    result = ranking.ranking(db.session, contest, rnd, limit=int(raw))
    return jsonify(rows=[{"rank": r.rank, "name": ranking.mask_name(r.full_name), "unit": r.unit, "score": r.score,
                          "duration_ms": r.duration_ms, "prediction": r.prediction,
                          "submitted_at": iso(r.submitted_at)} for r in result.rows],
                   frozen=result.frozen, perfect_attempts=result.truth)


@bp.get("/contests/<slug>/stats")
def stats(slug: str):
    contest = contests.get_contest(db.session, slug)
    _require_results_reader(contest)
    rnd = _scope(contest)
    return jsonify(shared_stats(db.session, contest, rnd, current_app.config["STATS_MAX_AGE_S"]))


@bp.get("/contests/<slug>/winners")
def winners(slug: str):
    contest = contests.get_contest(db.session, slug)
    _require_results_reader(contest)
    rnd = _scope(contest)
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise invalid({"format": "csv or xlsx"}, N_("Định dạng phải là csv hoặc xlsx."))
    body, result, _tiers = exports.winner_list(db.session, contest, rnd, fmt)
    mime = "text/csv; charset=utf-8" if fmt == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # Names, emails and phone numbers leave the platform here: who took them is recorded.
    audit.record_now(db.session, actor(), audit.WINNERS_EXPORT, "contest", contest.slug,
                     after={"round": rnd.number if rnd else None, "format": fmt, "sha256": result.digest})
    response = current_app.response_class(body, mimetype=mime)
    name = f"winners-{contest.slug}" + (f"-round-{rnd.number}" if rnd else "")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["X-Ranking-SHA256"] = result.digest
    response.headers["X-Ranking-Frozen"] = "true" if result.frozen else "false"
    return response


@bp.post("/contests/<slug>/verdicts")
def set_verdict(slug: str):
    """A judge's verdict on one person (quiz.contest.verdicts): 200 with it and the ranking's digest now (the new
    version's when the ranking is frozen); judges and admins only."""
    from quiz.contest import verdicts

    user = _current_user()
    contest = contests.get_contest(db.session, slug)
    if user.role not in roles.JUDGE_VERDICTS:
        raise DomainError("forbidden", N_("Chỉ ban giám khảo và quản trị viên được quyết định kết quả."))
    scope.require(user, contest)  # an organization's judge: only its own contests
    data = _json_body()
    raw_round = data.get("round")
    if raw_round is not None and (isinstance(raw_round, bool) or not isinstance(raw_round, (int, str))):
        raise invalid({"round": N_("số vòng")}, N_("Số vòng không hợp lệ."))
    rnd = get_round(db.session, contest, raw_round)
    row, digest = verdicts.set_verdict(db.session, contest, rnd, data.get("email"), data.get("verdict"),
                                       data.get("reason"), actor(user), user.role)
    if digest is None:
        digest = ranking.ranking(db.session, contest, rnd).digest
    email = users.normalise_email(data.get("email"))
    return jsonify(verdict=verdicts.verdict_json(row, email, contest, rnd), digest=digest)


@bp.get("/contests/<slug>/rankings")
def ranking_versions(slug: str):
    """Every frozen version of a ranking, oldest first: who froze it, when and why, with its digest."""
    contest = contests.get_contest(db.session, slug)
    _require_results_reader(contest)
    ranking.require_ranked(contest)
    rnd = _scope(contest)
    return jsonify(versions=[{"version": n, "digest": f.digest, "frozen_at": vn_iso(f.frozen_at),
                              "by": f.frozen_by, "reason": f.reason, "rows": f.rows, "current": f.current}
                             for n, f in enumerate(ranking.versions(db.session, contest.id, rnd.id if rnd else None),
                                                   start=1)])


@bp.post("/attempts/<attempt_id>/reports")
@limits.question_report
def report_question(attempt_id: str):
    """The attempt's owner reports a problem with one of its questions (quiz.contest.reports): 201."""
    from quiz.contest import reports

    user = _current_user()
    data = _json_body()
    report = reports.create_report(db.session, _int_id(attempt_id, NO_ATTEMPT), user.id, data.get("question_id"),
                                   data.get("message"), actor(user))
    return jsonify(report={"id": report.id, "status": report.status}), 201


@bp.get("/question-reports")
def question_reports():
    """The queue of question reports for organizers and admins, their organization's contests only."""
    from quiz.contest import reports

    user = _current_user()
    if user.role not in roles.MANAGE_CONTESTS:
        raise DomainError("forbidden", N_("Chỉ ban tổ chức được xem các báo lỗi câu hỏi."))
    rows = reports.list_reports(db.session, user, request.args.get("status", "open"))
    return jsonify(reports=[report_json(r) for r in rows])


@bp.get("/contests/<slug>/collective")
def collective_ranking(slug: str):
    """Units ranked for collective prizes by the contest's (or the round's) rule (quiz.contest.collective)."""
    from quiz.contest.collective import collective

    contest = contests.get_contest(db.session, slug)
    _require_results_reader(contest)
    settings, rows = collective(db.session, contest, _scope(contest))
    return jsonify(rule=settings.rule, rows=[row.as_json() for row in rows])

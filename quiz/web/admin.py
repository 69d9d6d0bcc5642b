"""Admin pages: the audit log (read and export only: the app has no way to change it)."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from quiz import roles
from quiz.infra import audit
from quiz.infra.database import reading
from quiz.infra.extensions import db
from quiz.web.access import restrict
from quiz.web.actor import actor

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50
ACTION_LABELS = audit.LABELS

restrict(bp, roles.READ_AUDIT)


def _day(value: str, zone: ZoneInfo) -> datetime | None:
    """Midnight of a YYYY-MM-DD day in the display time zone, or None when empty or not a date."""
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), zone)
    except ValueError:
        return None


def _filters() -> tuple[dict, dict, list[str]]:
    """(what the form shows, what the query uses, problems)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    shown = {"actor": request.args.get("actor", "")[:254], "action": request.args.get("action", "")[:40],
             "since": request.args.get("since", "")[:10], "until": request.args.get("until", "")[:10]}
    since, until = _day(shown["since"], zone), _day(shown["until"], zone)
    problems = [_("Ngày “%(day)s” không hợp lệ (cần dạng năm-tháng-ngày).", day=shown[k]) for k, v in
                (("since", since), ("until", until)) if shown[k] and v is None]
    query = {"actor": shown["actor"], "action": shown["action"], "since": since,
             "until": until + timedelta(days=1) if until else None}  # "until" includes that whole day
    return shown, query, problems


@bp.get("/audit")
def audit_log():
    shown, query, problems = _filters()
    page = max(1, int(request.args["page"])) if request.args.get("page", "").isdigit() else 1
    with reading(db.session):
        rows, total = audit.search(db.session, **query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        actions = sorted(set(audit.actions(db.session)) | set(ACTION_LABELS))
    return render_template("admin/audit.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           filters=shown, problems=problems, actions=actions, labels=ACTION_LABELS,
                           as_json=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)), \
        422 if problems else 200


@bp.get("/audit.csv")
def audit_csv():
    shown, query, _problems = _filters()
    with reading(db.session):
        rows, total = audit.search(db.session, **query, limit=None)
        body = audit.csv_bytes(rows)
    audit.record_now(db.session, actor(), audit.AUDIT_EXPORT, "audit_entry", "",
                     after={**{k: v for k, v in shown.items() if v}, "rows": total})
    response = current_app.response_class(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="nhat-ky-thao-tac.csv"'
    return response


"""Organizer pages: the question bank (browse, search, edit, deactivate, upload, export)."""
from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from . import audit
from .errors import DomainError
from .access import restrict
from .extensions import db
from .forms import ActionForm, ContestForm, QuestionForm, RoundForm, UploadForm
from .models import Round
from .moodle_formats import parse_aiken, parse_gift
from .question_bank import ExportRow, get_question, import_questions, search_bank, set_active
from .question_files import LETTERS, OPTION_COLUMNS, QuestionFileError, parse_questions, parse_record, questions_bytes

bp = Blueprint("organizer", __name__, url_prefix="/organizer")
ROLES = ("organizer", "admin")
PAGE_SIZE = 50


restrict(bp, ROLES)


def _filters() -> dict:
    chapter = request.args.get("chapter", "")
    return {"q": request.args.get("q", "")[:200], "chapter": int(chapter) if chapter.isdigit() else None,
            "article": request.args.get("article", "")[:60], "status": request.args.get("status", "all")}


@bp.get("/")
def home():
    return redirect(url_for("organizer.questions"))


@bp.get("/questions")
def questions():
    filters = _filters()
    page = max(1, int(request.args["page"])) if request.args.get("page", "").isdigit() else 1
    rows, total = search_bank(db.session, **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template("organizer/questions.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           filters=filters, form=ActionForm(), letters=LETTERS)


@bp.get("/questions/export")
def export():
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        abort(400)
    filters = _filters()
    rows, _total = search_bank(db.session, **filters, limit=None)
    data = questions_bytes([ExportRow(q, v) for q, v in rows], fmt)
    audit.record_now(db.session, audit.web_actor(), "questions.export", "question_bank", "",
                     after={"format": fmt, "rows": len(rows), **{k: v for k, v in filters.items() if v}})
    return send_file(io.BytesIO(data), as_attachment=True, download_name=f"ngan-hang-cau-hoi.{fmt}",
                     mimetype="text/csv" if fmt == "csv" else
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/questions/<code>/edit", methods=["GET", "POST"])
def edit(code: str):
    question, version = get_question(db.session, code)
    form = QuestionForm()
    if request.method == "GET":
        form.chapter.data, form.article.data, form.text.data = version.chapter, version.article, version.text
        for col, option in zip(OPTION_COLUMNS, version.options):
            form[col].data = option
        form.correct.data = LETTERS[version.correct]
        form.explanation.data, form.source_quote.data = version.explanation, version.source_quote
    elif form.validate_on_submit():
        values = {"code": code, "chapter": str(form.chapter.data or ""), "article": form.article.data,
                  "question": form.text.data, "correct": form.correct.data, "explanation": form.explanation.data,
                  "source_quote": form.source_quote.data, **{c: form[c].data or "" for c in OPTION_COLUMNS}}
        parsed, problems = parse_record(values)
        if problems:
            for p in problems:
                flash(_vietnamese(p), "error")
        else:
            with audit.recording(db.session, audit.web_actor(), "question.edit", "question", code,
                                 before=_question_state(version),
                                 after=lambda: _question_state(get_question(db.session, code)[1])):
                report = import_questions(db.session, [parsed])
            flash("Đã lưu phiên bản mới của câu hỏi." if report.updated else "Không có thay đổi nào.", "success")
            return redirect(url_for("organizer.questions", q=code))
    return render_template("organizer/edit.html", form=form, question=question, version=version), \
        422 if request.method == "POST" else 200


@bp.post("/questions/<code>/active")
def toggle(code: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    question, _version = get_question(db.session, code)
    with audit.recording(db.session, audit.web_actor(), "question.reactivate" if active else "question.deactivate",
                         "question", code, before={"active": question.active}, after={"active": active}):
        set_active(db.session, code, active)
    flash(f"Đã {'dùng lại' if active else 'ngừng dùng'} câu {code}.", "success")
    return redirect(request.referrer or url_for("organizer.questions"))


@bp.route("/questions/upload", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        file = form.file.data
        name = Path(file.filename or "tep").name
        data = file.read()
        suffix = Path(name).suffix.lower()
        try:
            if suffix in (".csv", ".xlsx"):
                parsed = parse_questions(name, data)
            else:
                if not form.chapter.data or not (form.article.data or "").strip():
                    raise QuestionFileError(["Tệp GIFT/Aiken không ghi chương và điều: hãy chọn chương và nhập điều."])
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise QuestionFileError([f"{name}: tệp không phải văn bản UTF-8"])
                reader = parse_gift if suffix == ".gift" or form.kind.data == "gift" else parse_aiken
                parsed = reader(name, text, form.chapter.data, form.article.data.strip(), Path(name).stem[:20])
            with audit.recording(db.session, audit.web_actor(), "question.upload", "question_file", name,
                                 after={"questions": len(parsed), "codes": [q.code for q in parsed]}):
                report = import_questions(db.session, parsed)
        except QuestionFileError as exc:
            errors = [_vietnamese(e) for e in exc.errors]
        else:
            flash(f"Đã nhập {len(parsed)} câu hỏi: {report.created} câu mới, {report.updated} câu cập nhật, "
                  f"{report.unchanged} câu không đổi.", "success")
            return redirect(url_for("organizer.questions"))
    return render_template("organizer/upload.html", form=form, errors=errors), 422 if errors else 200


_PHRASES = [("is empty", "đang để trống"), ("no such file", "không có tệp"), ("missing column(s)", "thiếu cột"),
            ("repeats row", "trùng với dòng"), ("must be a number 1..12, got", "phải là số từ 1 đến 12, nhận được"),
            ("must be one letter A..F, got", "phải là một chữ cái A..F, nhận được"),
            ("at least 2 options (option_a, option_b) are needed", "cần ít nhất 2 phương án (option_a, option_b)"),
            ("two options have the same text", "có hai phương án giống nhau"),
            ("is empty but a later option is filled", "để trống nhưng phương án sau lại có nội dung"),
            ("no questions in the file", "tệp không có câu hỏi nào"), ("is not supported (only multiple choice)",
                                                                        "không được hỗ trợ (chỉ nhận câu trắc nghiệm)"),
            ("needs exactly one right answer, found", "cần đúng một đáp án đúng, tìm thấy"),
            ("unsupported file type", "loại tệp không được hỗ trợ"), ("the file is empty", "tệp rỗng")]


def _vietnamese(message: str) -> str:
    """Translate the file checker's English phrases for the page; FILE:ROW stays as it is."""
    for english, vietnamese in _PHRASES:
        message = message.replace(english, vietnamese)
    return message.replace("code ", "mã ").replace("chapter ", "chương ").replace("correct is", "đáp án là") \
        .replace("but option_", "nhưng option_")


@bp.get("/contests")
def contests_list():
    from .chapter_plan import format_plan, plan_from_json
    from .contests import list_contests
    from .models import utcnow

    return render_template("organizer/contests.html", contests=list_contests(db.session), now=utcnow(),
                           plan=lambda c: format_plan(plan_from_json(c.blueprint, c.question_count)))


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _show_errors(form, exc: DomainError, renames: dict | None = None) -> None:
    for name, message in (exc.fields or {}).items():
        field = form._fields.get((renames or {}).get(name, name))
        if field is not None:
            field.errors = [*field.errors, message]
    flash(exc.message, "error")


def _contest_settings(form) -> dict:
    zone = _zone()
    return dict(title=form.title.data, description=form.description.data or "",
                question_count=form.question_count.data, time_limit_s=form.time_limit_min.data * 60,
                max_attempts=form.max_attempts.data, opens_at=form.opens_at.data.replace(tzinfo=zone),
                closes_at=form.closes_at.data.replace(tzinfo=zone), review_policy=form.review_policy.data,
                blueprint=(form.blueprint.data or "").strip() or None, prize_tiers=form.prize_tiers.data or "")


@bp.route("/contests/new", methods=["GET", "POST"])
def contest_new():
    from .contests import create_contest, get_contest

    form = ContestForm()
    if form.validate_on_submit():
        slug = form.slug.data.strip()
        try:
            with audit.recording(db.session, audit.web_actor(), "contest.create", "contest", slug,
                                 after=lambda: audit.state(get_contest(db.session, slug))):
                contest = create_contest(db.session, slug=slug, **_contest_settings(form))
        except DomainError as exc:
            _show_errors(form, exc, {"time_limit_s": "time_limit_min"})
        else:
            flash(f"Đã tạo cuộc thi {contest.title}.", "success")
            return redirect(url_for("organizer.contests_list"))
    return render_template("organizer/contest_form.html", form=form, contest=None), \
        422 if form.is_submitted() else 200


@bp.route("/contests/<slug>/edit", methods=["GET", "POST"])
def contest_edit(slug: str):
    from .chapter_plan import format_plan
    from .contests import get_contest, update_contest
    from .prizes import format_tiers

    contest = get_contest(db.session, slug)
    form = ContestForm(obj=None if request.method == "POST" else contest)
    form.slug.data = contest.slug
    if request.method == "GET":
        zone = _zone()
        form.opens_at.data = contest.opens_at.astimezone(zone).replace(tzinfo=None)
        form.closes_at.data = contest.closes_at.astimezone(zone).replace(tzinfo=None)
        form.time_limit_min.data = contest.time_limit_s // 60
        form.blueprint.data = format_plan([(tuple(c), n) for c, n in contest.blueprint]) if contest.blueprint else ""
        form.prize_tiers.data = format_tiers(contest.prize_tiers)
    elif form.validate_on_submit():
        try:
            with audit.recording(db.session, audit.web_actor(), "contest.edit", "contest", slug,
                                 before=audit.state(contest), after=lambda: audit.state(contest)):
                update_contest(db.session, contest, **_contest_settings(form))
        except DomainError as exc:
            _show_errors(form, exc, {"time_limit_s": "time_limit_min"})
        else:
            flash(f"Đã lưu cuộc thi {contest.title}.", "success")
            return redirect(url_for("organizer.contests_list"))
    return render_template("organizer/contest_form.html", form=form, contest=contest, close=ActionForm()), \
        422 if form.is_submitted() else 200


@bp.post("/contests/<slug>/close")
def contest_close(slug: str):
    from .contests import close_now, get_contest

    if not ActionForm().validate_on_submit():
        abort(400)
    contest = get_contest(db.session, slug)
    with audit.recording(db.session, audit.web_actor(), "contest.close", "contest", slug,
                         before=audit.window_state(db.session, contest),
                         after=lambda: audit.window_state(db.session, contest)):
        close_now(db.session, contest)
    flash(f"Đã đóng cuộc thi {contest.title}. Bảng xếp hạng được chốt khi xem lần đầu.", "success")
    return redirect(url_for("organizer.contests_list"))


@bp.route("/contests/<slug>/rounds", methods=["GET", "POST"])
def rounds(slug: str):
    from .contests import get_contest
    from .prizes import format_tiers
    from .rounds import create_round, rounds_of

    contest = get_contest(db.session, slug)
    form = RoundForm()
    if form.validate_on_submit():
        zone = _zone()
        try:
            with audit.recording(db.session, audit.web_actor(), "round.create", "round",
                                 f"{slug}/{form.number.data}", after=lambda: audit.state(db.session.execute(
                                     select(Round).where(Round.contest_id == contest.id,
                                                         Round.number == form.number.data)).scalar_one_or_none())):
                create_round(db.session, contest, number=form.number.data, title=form.title.data or "",
                             opens_at=form.opens_at.data.replace(tzinfo=zone),
                             closes_at=form.closes_at.data.replace(tzinfo=zone),
                             max_attempts=form.max_attempts.data, prize_tiers=form.prize_tiers.data or "")
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            flash(f"Đã thêm vòng {form.number.data}.", "success")
            return redirect(url_for("organizer.rounds", slug=slug))
    from .models import utcnow

    return render_template("organizer/rounds.html", contest=contest, rounds=rounds_of(db.session, contest.id),
                           form=form, now=utcnow(), tiers=format_tiers), 422 if form.is_submitted() else 200


def _question_state(version) -> dict:
    return audit.state(version, ("version", "chapter", "article", "text", "options", "correct", "explanation",
                                 "source_quote"))

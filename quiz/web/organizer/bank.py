"""Organizer pages for the question bank: browse, search, edit, deactivate, upload, export."""
from __future__ import annotations

import io
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from quiz.bank.moodle_formats import parse_aiken, parse_gift
from quiz.bank.question_files import (
    LETTERS,
    OPTION_COLUMNS,
    QuestionFileError,
    parse_questions,
    parse_record,
    questions_bytes,
)
from quiz.bank.questions import ExportRow, edit_question, get_question, import_questions, search_bank, set_active
from quiz.contest.reports import NOTE_MAX, list_reports
from quiz.infra import audit
from quiz.infra.extensions import db
from quiz.messages import Problem, texts
from quiz.web.actor import actor
from quiz.web.forms import ActionForm, QuestionForm, UploadForm
from quiz.web.locale import current as current_language
from quiz.web.organizer import bp

PAGE_SIZE = 50


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
    audit.record_now(db.session, actor(), audit.QUESTIONS_EXPORT, "question_bank", "",
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
        for col, option in zip(OPTION_COLUMNS, version.options, strict=False):
            form[col].data = option
        form.correct.data = LETTERS[version.correct]
        form.explanation.data, form.source_quote.data = version.explanation, version.source_quote
    elif form.validate_on_submit():
        values = {"code": code, "chapter": str(form.chapter.data or ""), "article": form.article.data,
                  "question": form.text.data, "correct": form.correct.data, "explanation": form.explanation.data,
                  "source_quote": form.source_quote.data, **{c: form[c].data or "" for c in OPTION_COLUMNS}}
        parsed, problems = parse_record(values)
        if problems:
            for message in texts(problems, current_language()):
                flash(message, "error")
        else:
            report = edit_question(db.session, parsed, actor())
            flash(_("Đã lưu phiên bản mới của câu hỏi.") if report.updated else _("Không có thay đổi nào."), "success")
            return redirect(url_for("organizer.questions", q=code))
    return render_template("organizer/edit.html", form=form, question=question, version=version,
                           reports=list_reports(db.session, current_user, "open", question_code=code),
                           action_form=ActionForm(), note_max=NOTE_MAX), 422 if request.method == "POST" else 200


@bp.post("/questions/<code>/active")
def toggle(code: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    set_active(db.session, code, active, actor())
    flash(_("Đã dùng lại câu %(code)s.", code=code) if active else _("Đã ngừng dùng câu %(code)s.", code=code),
          "success")
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
                    raise QuestionFileError([Problem("", 0, "needs_chapter_article")])
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError as exc:
                    raise QuestionFileError([Problem(name, 0, "not_utf8", {"byte": exc.start})]) from None
                reader = parse_gift if suffix == ".gift" or form.kind.data == "gift" else parse_aiken
                parsed = reader(name, text, form.chapter.data, form.article.data.strip(), Path(name).stem[:20])
            report = import_questions(db.session, parsed, actor=actor(), source=name,
                                      action=audit.QUESTION_UPLOAD)
        except QuestionFileError as exc:
            errors = exc.messages(current_language())
        else:
            flash(_("Đã nhập %(n)s câu hỏi: %(created)s câu mới, %(updated)s câu cập nhật, %(unchanged)s câu không "
                    "đổi.", n=len(parsed), created=report.created, updated=report.updated,
                    unchanged=report.unchanged), "success")
            return redirect(url_for("organizer.questions"))
    return render_template("organizer/upload.html", form=form, errors=errors), 422 if errors else 200



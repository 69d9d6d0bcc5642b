"""Certificates on the web: the public check (API and /verify page), a person's list and downloads, the
judges' zip. The JSON routes live on the API blueprint (``register``), the page on a blueprint of its own."""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, current_app, jsonify, render_template, request, send_file
from flask_login import current_user

from quiz import roles
from quiz.contest import certificates, contests, scope
from quiz.contest.ranking import mask_name
from quiz.contest.rounds import get_round
from quiz.errors import DomainError, invalid
from quiz.files import certificates as pdfs
from quiz.i18n import N_
from quiz.infra.extensions import db
from quiz.timeutil import iso
from quiz.web import locale
from quiz.web.actor import actor

bp = Blueprint("certificates", __name__)


def base_url() -> str:
    """Where /verify lives: PUBLIC_URL when set (it should be: a QR code outlives the request)."""
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")


def org_name(contest) -> str:
    org = getattr(contest, "organization", None)
    return getattr(org, "name", None) or current_app.config.get("PLATFORM_NAME") or locale.text(pdfs.DEFAULT_ORG)


def renderer_for(contest, rnd) -> pdfs.Renderer:
    """A renderer for the contest's or round's page, kept per worker: the template is made once (about 50 ms,
    half a second for the very first, which cuts the font), each certificate then takes a few ms."""
    org, words = getattr(contest, "organization", None), locale.wording()
    return _renderer(org_name(contest), contest.title, certificates.round_title(rnd, words.tr),
                     getattr(org, "logo", None), words.code)


@lru_cache(maxsize=32)
def _renderer(org: str, title: str, round_title: str | None, logo: bytes | None,
              lang: str) -> pdfs.Renderer:
    return pdfs.Renderer(org, title, round_title, logo, locale.translator(lang))


def checked_json(c: certificates.Checked) -> dict:
    cert = c.certificate
    return {"valid": c.valid, "name": mask_name(cert.full_name), "contest": c.contest.title,
            "round": c.round.number if c.round else None, "kind": cert.kind, "prize": cert.prize or None,
            "rank": cert.rank, "score": cert.score, "issued_at": iso(cert.issued_at), "digest": cert.digest or None}


def mine_json(cert, contest_by_id: dict, round_by_id: dict) -> dict:
    from flask import url_for

    rnd = round_by_id.get(cert.round_id)
    return {"code": cert.code, "contest": contest_by_id[cert.contest_id].slug, "round": rnd.number if rnd else None,
            "kind": cert.kind, "prize": cert.prize or None,
            "url": url_for("api.certificate_pdf", code=cert.code)}


@bp.get("/verify/<code>")
def verify(code: str):
    try:
        checked = certificates.check(db.session, code)
    except DomainError as exc:
        if exc.code != "not_found":
            raise
        return render_template("verify.html", checked=None, code=code[:40]), 404
    return render_template("verify.html", checked=checked, body=checked_json(checked),
                           round_title=certificates.round_title(checked.round, locale.translator(locale.current())))


def _register(api) -> None:
    """The certificate routes of the JSON API (docs/api.md, "The ceremony"), added once, at import, before
    the API's blueprint is registered on an app."""
    from quiz.web.api import _current_user, _require_results_reader, _user_id

    @api.get("/certificates/<code>")
    def certificate(code: str):
        return jsonify(checked_json(certificates.check(db.session, code)))

    @api.get("/me/certificates")
    def my_certificates():
        uid = _user_id()
        certs = certificates.mine(db.session, uid)
        return jsonify(certificates=_listing(certs))

    @api.get("/certificates/<code>/pdf")
    def certificate_pdf(code: str):
        user = _current_user()
        cert, contest, rnd = certificates.owned(db.session, code)
        if cert.user_id != user.id and (user.role not in roles.READ_RESULTS or not scope.can_manage(user, contest)):
            raise DomainError("forbidden", N_("Bạn chỉ tải được giấy chứng nhận của mình."))
        data = renderer_for(contest, rnd).render(cert.kind, pdfs.stamp_of(cert, base_url()))
        response = current_app.response_class(data, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{pdfs.file_name(cert)}"'
        response.headers["Cache-Control"] = "no-store"
        return response

    @api.post("/contests/<slug>/certificates.zip")
    def certificates_zip(slug: str):
        """The judges' download: every certificate of a contest or round (those due and not yet issued are
        issued first: an explicit step, like the freeze)."""
        import tempfile

        contest = contests.get_contest(db.session, slug)
        _require_results_reader(contest)
        rnd = get_round(db.session, contest, request.args.get("round"))
        kinds = kinds_of(request.args.get("kind", "all"))
        certs = certificates.issue(db.session, contest, rnd, kinds, actor())
        spool = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)
        pdfs.write_zip(spool, certs, renderer_for(contest, rnd), base_url())
        spool.seek(0)
        name = f"giay-chung-nhan-{contest.slug}" + (f"-vong-{rnd.number}" if rnd else "") + ".zip"
        return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=name)


    @api.get("/contests/<slug>/report.pdf")
    def ceremony_report(slug: str):
        """The ceremony report (judge, organizer, admin)."""
        from quiz.files.report import ceremony_report as build

        contest = contests.get_contest(db.session, slug)
        _require_results_reader(contest)
        rnd = get_round(db.session, contest, request.args.get("round"))
        response = current_app.response_class(build(db.session, contest, rnd, org_name(contest), locale.wording()),
                                              mimetype="application/pdf")
        name = f"bao-cao-{contest.slug}" + (f"-vong-{rnd.number}" if rnd else "") + ".pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def kinds_of(text: str) -> tuple:
    if text == "all":
        return certificates.KINDS
    if text not in certificates.KINDS:
        raise invalid({"kind": "prize, participation or all"}, N_("Loại giấy chứng nhận không hợp lệ."))
    return (text,)


def _listing(certs) -> list[dict]:
    from sqlalchemy import select

    from quiz.models import Contest, Round

    contest_by_id = {c.id: c for c in db.session.execute(
        select(Contest).where(Contest.id.in_({c.contest_id for c in certs}))).scalars()}
    round_by_id = {r.id: r for r in db.session.execute(
        select(Round).where(Round.id.in_({c.round_id for c in certs if c.round_id}))).scalars()}
    return [mine_json(c, contest_by_id, round_by_id) for c in certs]


def my_rows() -> list[dict]:
    """For /me: the person's certificates with the contest's title and a download link."""
    certs = certificates.mine(db.session, current_user.id)
    rows = _listing(certs)
    titles = {c.code: c for c in certs}
    for row in rows:
        row["full_name"] = titles[row["code"]].full_name
    return rows


def _api_blueprint():
    from quiz.web.api import bp as api

    return api


_register(_api_blueprint())

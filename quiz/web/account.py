"""Account pages: registration, login, logout, forgotten password, reset by the mailed link, change of password.
Vietnamese."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from quiz.accounts import phones, privacy, reset, sms_reset, users
from quiz.errors import DomainError
from quiz.infra import limits, mail, sms
from quiz.infra.extensions import db
from quiz.web import locale
from quiz.web.actor import actor, client_ip
from quiz.web.fingerprint import client_marks
from quiz.web.forms import (
    ActionForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    SmsResetForm,
    offer_places,
)
from quiz.web.locale import error_message, field_errors
from quiz.web.statuses import status_of

bp = Blueprint("account", __name__)


def _safe_next(default: str) -> str:
    target = request.args.get("next") or ""
    parsed = urlparse(target)
    if target.startswith("/") and not target.startswith("//") and not parsed.netloc:
        return target
    return default


@bp.route("/register", methods=["GET", "POST"])
@limits.register
def register():
    form = RegisterForm()
    if form.is_submitted() and "pick_province" in request.form:  # no JavaScript: show the province's wards
        offer_places(form, form.province.data)
        return render_template("register.html", form=form), 200
    if form.is_submitted():
        # Show every problem at once: the form's own checks and the account rules.
        valid = form.validate()
        data = {name: form[name].data or "" for name in ("full_name", "email", "password", "phone", "unit", "locality")}
        data["locality_code"] = form.locality_code.data or None
        problems = users.validate_profile(**data)
        if not form.consent.data:
            problems["consent"] = privacy.CONSENT_NEEDED
        _add_errors(form, problems)
        if valid and not problems:
            try:
                ip, device = client_marks()
                user = users.create_user(db.session, **data, ip=ip, device=device, consent=True)
            except DomainError as exc:
                _add_errors(form, field_errors(exc))
                if exc.code == "email_taken":
                    form.email.errors = [_("Email này đã được đăng ký. Hãy đăng nhập hoặc dùng email khác.")]
                if exc.code == "phone_taken":
                    form.phone.errors = [_("Số điện thoại này đã được đăng ký. Hãy đăng nhập hoặc dùng số khác.")]
            else:
                login_user(user)
                flash(_("Đăng ký thành công. Chào mừng bạn!"), "success")
                return redirect(_safe_next(url_for("pages.index")))
    offer_places(form, form.province.data, form.locality_code.data)
    return render_template("register.html", form=form), 422 if form.errors else 200


def _add_errors(form, problems: dict) -> None:
    for name, message in problems.items():
        if name in form and message not in form[name].errors:
            form[name].errors = [*form[name].errors, message]


@bp.route("/login", methods=["GET", "POST"])
@limits.login
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = users.authenticate(db.session, form.email.data, form.password.data)
        except DomainError as exc:
            form.password.errors = [error_message(exc)]
            status = status_of(exc)  # 401 wrong, 429 locked: the same for registered and unknown emails
        else:
            login_user(user, remember=form.remember.data)
            if user.consent_version is None:  # an account made for them: the notice first (quiz.web.privacy)
                return redirect(url_for("privacy.consent", next=_safe_next(url_for("pages.index"))))
            return redirect(_safe_next(url_for("pages.index")))
    return render_template("login.html", form=form), status if status != 200 else 401 if form.errors else 200


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        logout_user()
        flash(_("Bạn đã đăng xuất."), "success")
    return redirect(url_for("pages.index"))


def _show(form, exc: DomainError, renames: dict) -> None:
    for name, message in field_errors(exc).items():
        field = form._fields.get(renames.get(name, name))
        if field is not None and message not in field.errors:
            field.errors = [*field.errors, message]


def send_reset_link(email) -> None:
    """Check the address (422 when it is none) and mail a reset link from a background thread, so that the
    answer is the same, and as quick, whether or not the email is registered (quiz.accounts.reset)."""
    address = reset.check_email(email)
    base = current_app.config["PUBLIC_URL"] or request.host_url
    mail.later(current_app._get_current_object(), _mail_link, address, base, locale.current())


def _mail_link(address: str, base: str, lang: str) -> None:
    """Background job, in the app's context; the mail in the language of the page that asked for it."""
    config = current_app.config
    message = reset.link_mail(db.session, address, current_app.secret_key, base, config["PASSWORD_RESET_MAX_AGE_S"])
    if message is not None:
        to, subject, body = message
        with force_locale(lang):
            mail.send(config, to, locale.text(subject), locale.text(body), current_app.logger)


def send_reset_code(phone) -> str:
    """Check the number (422 when it is no mobile number) and send a reset code by SMS from a background
    thread, the same answer and time whether or not the number is registered (quiz.accounts.sms_reset).
    Returns the normalised number."""
    number = sms_reset.check_phone(phone)
    mail.later(current_app._get_current_object(), _sms_code, number, locale.current())
    return number


def _sms_code(number: str, lang: str) -> None:
    """Background job, in the app's context; the SMS in the language of the page that asked for it."""
    message = sms_reset.code_message(db.session, number, current_app.secret_key)
    if message is not None:
        to, text = message
        with force_locale(lang):
            sms.send(current_app.config, to, locale.text(text), current_app.logger)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limits.password_reset
def forgot_password():
    """An email gets a link by mail; a mobile number, a code by SMS and then the code's page."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        by_phone = not phones.looks_like_email(form.email.data)
        try:
            if by_phone:
                session["reset_phone"] = send_reset_code(form.email.data)
            else:
                send_reset_link(form.email.data)
        except DomainError as exc:
            _show(form, exc, {"phone": "email"})
        else:
            # The same words whether or not the email or number is registered.
            if by_phone:
                flash(_(sms_reset.SENT), "success")
                return redirect(url_for("account.reset_by_code"))
            flash(_(reset.SENT), "success")
            return redirect(url_for("account.forgot_password"))
    return render_template("account/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/code", methods=["GET", "POST"])
@limits.reset_code
def reset_by_code():
    """The code sent by SMS and a new password (quiz.accounts.sms_reset.confirm_code)."""
    form = SmsResetForm()
    if request.method == "GET" and session.get("reset_phone"):
        form.phone.data = session["reset_phone"]
    if form.validate_on_submit():
        try:
            sms_reset.confirm_code(db.session, current_app.secret_key, form.phone.data, form.code.data,
                                   form.password.data, client_ip())
        except DomainError as exc:
            _show(form, exc, {})
        else:
            session.pop("reset_phone", None)
            flash(_("Đã đặt mật khẩu mới. Mời bạn đăng nhập bằng mật khẩu mới."), "success")
            return redirect(url_for("account.login"))
    db.session.rollback()
    return render_template("account/reset_code.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_S"]
    try:
        reset.user_for_token(db.session, current_app.secret_key, token, max_age)
    except DomainError as exc:
        db.session.rollback()
        return _no_referrer(render_template("account/reset.html", form=None, problem=error_message(exc)), 400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.confirm_reset(db.session, current_app.secret_key, token, form.password.data, max_age, client_ip())
        except DomainError as exc:
            _show(form, exc, {})
        else:
            flash(_("Đã đặt mật khẩu mới. Mời bạn đăng nhập bằng mật khẩu mới."), "success")
            return redirect(url_for("account.login"))
    db.session.rollback()
    status = 422 if form.errors else 200
    return _no_referrer(render_template("account/reset.html", form=form, problem=None), status)


def _no_referrer(body: str, status: int):
    # The token is in this page's address: never send it on to another site as a Referer.
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/account/password", methods=["GET", "POST"])
@limits.password_check
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = users.change_password(db.session, current_user._get_current_object(),
                                            form.current_password.data, form.new_password.data, actor())
        except DomainError as exc:
            _show(form, exc, {})
            if exc.code == "too_many_attempts":
                form.current_password.errors = [error_message(exc)]
        else:
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=cookie in request.cookies)  # this session stays; the others end
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã được đăng xuất."), "success")
            return redirect(url_for("pages.index"))
    return render_template("account/password.html", form=form), 422 if form.errors else 200


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The person's unit and locality: a ward from the official list (the province-then-ward picker)."""
    user = current_user._get_current_object()
    form = ProfileForm(obj=None if request.method == "POST" else user)
    if form.is_submitted() and "pick_province" not in request.form and form.validate():
        try:
            # No ward chosen: an old free-text locality stays; a ward picked before is cleared with its name.
            kept = user.locality if user.locality_code is None else ""
            users.change_profile(db.session, user, form.unit.data or "", kept, form.locality_code.data or None,
                                 actor(), phone=(form.phone.data or "") if "phone" in request.form else None)
        except DomainError as exc:
            db.session.rollback()
            _show(form, exc, {})
        else:
            flash(_("Đã lưu đơn vị và địa phương."), "success")
            return redirect(url_for("pages.me"))
    if form.is_submitted():
        offer_places(form, form.province.data, form.locality_code.data)
    else:
        offer_places(form, None, user.locality_code)
    return render_template("account/profile.html", form=form), 422 if form.errors else 200

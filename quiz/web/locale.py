"""The request's language: ``?lang=vi|en`` chosen and remembered (the session and a year-long cookie, so the
choice outlives a logout), else the remembered choice, else the best match of ``Accept-Language``, else
Vietnamese. Domain texts (``DomainError`` messages and field messages, Vietnamese msgids marked with
``quiz.i18n.N_``) are translated here, at the web boundary; numbers and dates are formatted per language."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, has_request_context, request, session
from flask_babel import force_locale, format_datetime, format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from quiz.errors import DomainError
from quiz.i18n import DEFAULT, LANGUAGES, N_, Number, Text, Wording

# The texts of the pages' scripts (static/*.js, through static/texts.js's quizText), keyed by themselves.
SCRIPT_TEXTS = (
    N_("Máy chủ đang tạm gián đoạn kết nối tới cơ sở dữ liệu. Các câu trả lời chưa lưu vẫn được giữ trên máy này "
       "và sẽ được lưu tự động khi máy chủ hoạt động lại (thử lại sau %(n)s giây). Bạn không cần tải lại trang."),
    N_("✓ Đã lưu tất cả câu trả lời"),
    N_("Máy chủ tạm gián đoạn – %(n)s câu chưa lưu, đã giữ trên máy này, sẽ tự lưu lại"),
    N_("Mất kết nối – %(n)s câu chưa lưu, sẽ tự lưu lại"),
    N_("Đang lưu %(n)s câu…"),
    N_("Bạn còn %(n)s câu chưa trả lời."),
    N_("Bạn đã trả lời tất cả các câu."),
    N_("đang lưu…"),
    N_("đã lưu"),
    N_("Câu trả lời không hợp lệ."),
    N_("Phiên đăng nhập đã hết. Vui lòng đăng nhập lại; các câu trả lời chưa lưu vẫn được giữ trên máy này."),
    N_("Câu %(n)s"),
    N_("Câu %(n)s/%(total)s"),
    N_("Bạn còn %(n)s câu chưa trả lời. Vẫn nộp bài?"),
    N_("Nộp bài và kết thúc lượt thi?"),
    N_("Hết giờ – đang nộp bài…"),
    N_("Đang nộp bài…"),
    N_("Máy chủ tạm gián đoạn – bài làm được giữ trên máy này, sẽ tự nộp lại"),
    N_("Không nộp được bài."),
    N_("Mất kết nối – đang thử nộp lại…"),
    N_("Không tải được bài thi."),
    N_("Mất kết nối – đang thử tải lại…"),
    N_("Đang tải danh sách xã, phường…"),
    N_("— Chọn tỉnh trước —"),
    N_("— Chọn xã, phường —"),
    N_("Đã có %(n)s xã, phường, đặc khu của %(province)s."),
    N_("Không tải được danh sách xã, phường. Hãy bấm nút «Hiện danh sách xã, phường» bên dưới ô tỉnh."),
    N_("· cập nhật lúc %(time)s"),
    N_("Tổng: %(n)s câu (khác số câu hỏi %(want)s)"),
    N_("Tổng: %(n)s câu"),
)
COOKIE = "lang"
COOKIE_AGE_S = 365 * 24 * 3600


def select() -> str:
    """Flask-Babel's locale selector (outside a request, e.g. a command: Vietnamese)."""
    if not has_request_context():
        return DEFAULT
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        if session.get("lang") != chosen:
            session["lang"] = chosen
        g.lang_chosen = chosen
        return chosen
    remembered = session.get("lang") or request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


def current() -> str:
    """The request's language code ('vi' or 'en')."""
    return str(get_locale() or DEFAULT)


def _remember(response):
    chosen = g.get("lang_chosen")
    if chosen is None and request.args.get("lang") in LANGUAGES:
        chosen = select()
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(COOKIE, chosen, max_age=COOKIE_AGE_S, samesite="Lax", httponly=True)
    return response


def text(message: str, values: dict | None = None) -> str:
    """A Vietnamese msgid in the request's language, its ``%(name)s`` filled from ``values`` (or from the
    message's own, for a ``quiz.i18n.Text``)."""
    if values is None and isinstance(message, Text):
        message, values = message.template, message.values
    if not values:
        return _(message)
    return _(message, **{name: _value(v) for name, v in values.items()})


def _value(value):
    """A value of a domain text in the request's language: texts translated, ``Number``s formatted."""
    if isinstance(value, Text):
        return text(value)
    return number(int(value)) if isinstance(value, Number) else value


def _field_text(value):
    return text(value) if isinstance(value, str) else value


def error_json(exc: DomainError) -> dict:
    """The API's error object in the request's language; the code never changes."""
    body = {"code": exc.code, "message": error_message(exc)}
    if exc.fields:
        body["fields"] = {name: _field_text(v) for name, v in exc.fields.items()}
    return {"error": body}


def error_message(exc: DomainError) -> str:
    return text(exc.message)


def field_errors(exc: DomainError) -> dict:
    return {name: _field_text(v) for name, v in (exc.fields or {}).items()}


def number(value) -> str:
    """1234567 -> '1.234.567' (vi) or '1,234,567' (en); 3.5 -> '3,50' / '3.50'; None -> '–'."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return format_decimal(value)
    return format_decimal(value, format="#,##0.00")


def percent(share) -> str:
    """0.159 -> '15,90%' (vi) or '15.90%' (en)."""
    return "–" if share is None else format_percent(share, format="#,##0.00%")


def minutes(seconds) -> str:
    """A time limit in minutes: 1200 -> '20', 90 -> '1,5' (vi) or '1.5' (en)."""
    return format_decimal(round(seconds / 60, 1), format="#,##0.#")


DATETIME_FORMATS = {"vi": ("HH:mm dd/MM/yyyy", "HH:mm:ss dd/MM/yyyy"),
                    "en": ("d MMM yyyy, HH:mm", "d MMM yyyy, HH:mm:ss")}


def when(value, seconds: bool = False) -> str:
    """A time in Viet Nam's time zone, as the language writes it: 08:00 01/12/2026 or 1 Dec 2026, 08:00."""
    if not value:
        return ""
    return format_datetime(value, DATETIME_FORMATS.get(current(), DATETIME_FORMATS[DEFAULT])[seconds])


def duration(ms) -> str:
    """Milliseconds as '12 phút 05 giây' / '12 min 05 s'."""
    if ms is None:
        return "–"
    minutes_, seconds = divmod(round(ms / 1000), 60)
    if minutes_:
        return _("%(m)s phút %(s)s giây", m=minutes_, s=str(seconds).zfill(2))
    return _("%(s)s giây", s=seconds)


def language_url(lang: str) -> str:
    """This page in ``lang``: its path and query with ``lang`` set (a page answering a POST links to its GET)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return request.path + "?" + urlencode(args, doseq=True)


def translator(lang: str):
    """``gettext`` in ``lang`` whatever the request's language (quiz.i18n.vietnamese's shape)."""
    def tr(message: str, **values) -> str:
        with force_locale(lang):
            return _(message, **values)
    return tr


def wording(lang: str | None = None) -> Wording:
    """The request's language (or ``lang``) for files made in the domain: PDFs, mails."""
    lang = lang or current()
    return Wording(lang, translator(lang))


def script_texts() -> dict:
    """The scripts' texts in the request's language (none in Vietnamese: the scripts' own)."""
    return {} if current() == DEFAULT else {t: _(t) for t in SCRIPT_TEXTS}


def init_app(app: Flask) -> None:
    app.after_request(_remember)
    app.add_template_filter(text, "domain_text")  # a domain's Vietnamese text (N_, Text) in the page's language
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(minutes, "minutes")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(when, "vn_time")
    app.add_template_filter(lambda value: when(value, seconds=True), "vn_time_s")
    app.jinja_env.globals.update(current_language=current, language_url=language_url, script_texts=script_texts)

"""Accessibility in Debian's Chromium: axe-core (the npm package pinned in package-lock.json, installed by ./test)
runs on every HTML page of the app, in Vietnamese and in English, and no WCAG 2.0/2.1/2.2 A or AA rule may be
broken. Participant and public pages are checked at phone size (360 px), staff pages at desktop size.

The pages come from the app's URL map: every GET route is either in ``PAGES`` (who visits it and with which
sample arguments) or in ``NOT_PAGES`` (downloads, JSON, redirects); a new route in neither fails
``test_every_html_route_is_checked``. The sample data (an organization with a unit directory, a contest with an open
round, a finished attempt with its review, an attempt in progress, a certificate...) is made once for the module on
a SQLite database of its own: the markup does not depend on the database. One live server and one browser serve
the module, with one browser context per role.

The larger-text setting (base.html's "Cỡ chữ lớn") is tested here too: remembered in a cookie, applied by the
server on <html>, and the quiz page and tables still fit 360 px with it.
"""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.chromium import PHONE
from tests.helpers import PASSWORD, ROOT, LiveServer, browser_login, make_questions, migrate, phone_of, token

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 800}
SECRET = "live-secret"  # LiveServer's SECRET_KEY: the reset link below is signed with it
LANGS = ("vi", "en")

# GET routes that are not HTML pages, and why.
NOT_PAGES = {
    "static": "CSS, scripts",
    "pages.logo": "an organization's PNG",
    "admin.audit_csv": "a CSV download",
    "organizer.export": "a question file download",
    "organizer.home": "a redirect to organizer.questions",
    "suspicious.download": "a CSV download",
    "ops.healthz": "JSON",
    "ops.metrics_text": "Prometheus text",
}
NOT_PAGE_BLUEPRINTS = ("api.",)  # the JSON API (and its PDFs and zips)

# Every HTML page: (endpoint, who visits it, path with {names} of the sample data, expected status).
# Who: anonymous and the participants at phone size, staff at desktop size (CONTEXTS).
PAGES = [
    ("pages.index", "anonymous", "/", 200),
    ("pages.contest", "anonymous", "/contests/{slug}", 200),
    ("pages.contest", "participant", "/contests/{slug}", 200),
    ("pages.rules", "anonymous", "/contests/{slug}/rules", 200),
    ("pages.leaderboard", "anonymous", "/contests/{slug}/leaderboard", 200),
    ("pages.enrollment", "taker", "/contests/{slug}/enrollment?q=tan", 200),
    ("pages.attempt", "taker", "/attempts/{open_attempt}", 200),
    ("pages.attempt", "participant", "/attempts/{finished_attempt}", 200),
    ("pages.me", "participant", "/me", 200),
    ("certificates.verify", "anonymous", "/verify/{certificate}", 200),
    ("account.reset_by_code", "anonymous", "/reset-password/code", 200),
    ("account.login", "anonymous", "/login", 200),
    ("account.register", "anonymous", "/register", 200),
    ("account.forgot_password", "anonymous", "/forgot-password", 200),
    ("account.reset_password", "anonymous", "/reset-password/{reset_token}", 200),
    ("account.change_password", "participant", "/account/password", 200),
    ("account.profile", "participant", "/account/profile", 200),
    ("privacy.notice", "anonymous", "/privacy", 200),
    ("privacy.consent", "participant", "/privacy/consent", 200),
    ("privacy.delete", "participant", "/me/delete", 200),
    ("organizer.questions", "organizer", "/organizer/questions", 200),
    ("organizer.edit", "organizer", "/organizer/questions/T-000/edit", 200),
    ("organizer.upload", "organizer", "/organizer/questions/upload", 200),
    ("organizer.contests_list", "organizer", "/organizer/contests", 200),
    ("organizer.contest_new", "organizer", "/organizer/contests/new", 200),
    ("organizer.contest_edit", "organizer", "/organizer/contests/{slug}/edit", 200),
    ("organizer.rounds", "organizer", "/organizer/contests/{slug}/rounds", 200),
    ("organizer.accommodations", "organizer", "/organizer/contests/{slug}/accommodations", 200),
    ("organizer.units_list", "organizer", "/organizer/units", 200),
    ("organizer.units_list", "admin", "/organizer/units?org=lien-minh&q=htx", 200),
    ("organizer.unit_edit", "organizer", "/organizer/units/edit/HTX-TP?org=lien-minh", 200),
    ("organizer.reports_list", "organizer", "/organizer/reports", 200),
    ("organizer.reports_list", "organizer", "/organizer/reports?status=resolved", 200),
    ("organizations.organizations_list", "admin", "/admin/organizations/", 200),
    ("organizations.organization_new", "admin", "/admin/organizations/new", 200),
    ("organizations.organization_edit", "admin", "/admin/organizations/lien-minh/edit", 200),
    ("suspicious.show", "organizer", "/organizer/contests/{slug}/suspicious", 200),
    ("suspicious.attempt", "judge", "/organizer/contests/{slug}/attempts/{finished_attempt}", 200),
    ("dashboard.index", "judge", "/results/", 200),
    ("dashboard.show", "judge", "/results/{slug}", 200),
    ("judges.show", "judge", "/judges/{slug}", 200),
    ("ceremony.show", "judge", "/judges/{slug}/ceremony", 200),
    ("admin.audit_log", "admin", "/admin/audit", 200),
    ("errorpages.404", "anonymous", "/contests/khong-co-cuoc-thi-nay", 404),
    ("errorpages.403", "participant", "/organizer/questions", 403),
]

CONTEXTS = {"anonymous": None, "participant": "an@example.vn", "taker": "binh@example.vn",
            "organizer": "to-chuc@example.vn", "judge": "giam-khao@example.vn", "admin": "quan-tri@example.vn"}
STAFF = ("organizer", "judge", "admin")


def html_get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.endpoint.startswith(NOT_PAGE_BLUEPRINTS)}


# --- Sample data, one server, one context per role --------------------------------------------------------

def seed(session) -> dict:
    """The sample data every page needs; the values the paths name."""
    from quiz.accounts import reset
    from quiz.accounts.users import create_user
    from quiz.bank.questions import import_questions
    from quiz.contest import attempts, certificates, contests, rounds, units
    from quiz.contest.organizations import create_organization
    from quiz.infra import audit
    from quiz.models import utcnow

    import_questions(session, make_questions())
    org = create_organization(session, slug="lien-minh", name="Liên minh HTX tỉnh Thử")
    units.import_units(session, org, [units.UnitRow("HTX-TP", "HTX Tân Phú", None, 40),
                                      units.UnitRow("HTX-TH", "HTX Thắng Hùng", None, None)])
    now = utcnow()
    contest = contests.create_contest(
        session, slug="thi-thu", title="Cuộc thi thử", organization_id=org.id, question_count=4,
        blueprint="1-12:4", opens_at=now - timedelta(hours=2), closes_at=now + timedelta(days=2),
        prize_tiers="1:Giải Nhất,2:Giải Nhì", rules="# Thể lệ\n\n- Mỗi người thi tối đa 3 lượt.\n")
    rounds.create_round(session, contest, number=1, opens_at=now - timedelta(hours=1),
                        closes_at=now + timedelta(days=1), title="Vòng 1")

    def person(email, name, role="participant", **kw):  # mobile numbers are unique
        return create_user(session, full_name=name, email=email, password=PASSWORD, role=role, consent=True,
                           phone=phone_of(email), **kw)

    an, binh = person("an@example.vn", "Nguyễn Văn An"), person("binh@example.vn", "Trần Thị Bình")
    for role in STAFF:
        person(CONTEXTS[role], f"Cán bộ {role}", role=role)
    units.enroll(session, an.id, contest, "HTX-TP")
    finished, _ = attempts.start_attempt(session, an.id, contest)
    attempts.submit(session, finished.id, an.id)
    units.enroll(session, binh.id, contest, "HTX-TH")
    in_progress, _ = attempts.start_attempt(session, binh.id, contest)
    [cert] = certificates.issue(session, contest, None, ("participation",), audit.CLI, an.id)
    return {"slug": contest.slug, "finished_attempt": finished.id, "open_attempt": in_progress.id,
            "certificate": cert.code, "reset_token": reset.make_token(SECRET, an)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated SQLite database with the sample data, served by one live server: (base URL, values, app)."""
    from quiz import create_app
    from quiz.infra.extensions import db

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run ./test (or `npm ci`) to install axe-core from package-lock.json")
    url = f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'quiz.db'}"
    migrate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": SECRET})
    with app.app_context():
        values = seed(db.session)
        db.session.remove()
        db.engine.dispose()
    (ROOT / "instance").mkdir(exist_ok=True)
    server = LiveServer(url)
    yield server.url, values, app
    server.stop()


def new_context(browser, who: str):
    """A context the size its visitor uses; the CSP is bypassed only so that axe's script can be injected."""
    if who in STAFF:
        return browser.new_context(viewport=DESKTOP, locale="vi-VN", bypass_csp=True)
    return browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True, bypass_csp=True)


@pytest.fixture(scope="module")
def pages(browser, site):
    """One logged-in page per role, made when first asked for."""
    base, _values, _app = site
    made, contexts = {}, []

    def get(who: str):
        if who not in made:
            context = new_context(browser, who)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(15000)
            if CONTEXTS[who]:
                browser_login(page, base, CONTEXTS[who])
                page.wait_for_url(lambda url: "/login" not in url)
            made[who] = page
        return made[who]

    yield get
    for context in contexts:
        context.close()


# --- axe ----------------------------------------------------------------------------------------------------

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      targets: v.nodes.map(n => n.target.join(' '))}));
}"""


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, TAGS)


def report(found: list[dict]) -> str:
    return "\n".join(f"  {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"]) for v in found)


def settle(page) -> None:
    """Wait for a page's own scripts (beyond base.html's two) to finish fetching: the quiz page draws its questions
    after a fetch, the dashboard its figures."""
    if page.locator("script[src]").count() > 2:
        page.wait_for_load_state("networkidle")
    if page.locator("#quiz").count():
        page.wait_for_selector("fieldset.question:not([hidden])")


# --- Tests --------------------------------------------------------------------------------------------------

def test_every_html_route_is_checked(site):
    _base, _values, app = site
    listed = {endpoint for endpoint, *_ in PAGES}
    missing = sorted(html_get_endpoints(app) - listed - set(NOT_PAGES))
    assert not missing, ("GET routes neither checked by axe nor listed as not pages: add each to PAGES (with its "
                         f"visitor and sample arguments) or to NOT_PAGES in tests/test_a11y.py: {missing}")
    stale = sorted((listed | set(NOT_PAGES)) - html_get_endpoints(app) - {e for e in listed if e.startswith("error")})
    assert not stale, f"PAGES or NOT_PAGES name routes the app no longer has: {stale}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("endpoint", "who", "path", "status"), PAGES, ids=[f"{p[0]}-{p[1]}" for p in PAGES])
def test_no_wcag_violation(pages, site, endpoint, who, path, status, lang):
    base, values, _app = site
    page = pages(who)
    url = base + path.format(**values)
    response = page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
    assert response.status == status and response.request.redirected_from is None, (endpoint, page.url)
    assert response.headers["content-type"].startswith("text/html")
    settle(page)
    found = violations(page)
    assert not found, f"{endpoint} ({who}, {lang}) {page.url} breaks WCAG A/AA rules:\n{report(found)}"


def test_the_database_outage_page(pages, site):
    """The 503 page stands alone (quiz.web.errorpages.database_unavailable): no route, so it is rendered here."""
    from flask import render_template

    from quiz.web.errorpages import DATABASE_MESSAGE

    base, _values, app = site
    with app.test_request_context("/"):
        html = render_template("unavailable.html", message=DATABASE_MESSAGE, retry_after=5)
    page = pages("anonymous")
    page.goto(base + "/privacy")
    page.set_content(html)  # keeps the page's address, so its stylesheet loads
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(244, 246, 248)"
    found = violations(page)
    assert not found, f"unavailable.html breaks WCAG A/AA rules:\n{report(found)}"


# Forms sent empty: their pages with the errors shown (aria-invalid fields, messages) pass axe too.
FORMS_SENT_EMPTY = [("anonymous", "/register"), ("anonymous", "/login"), ("participant", "/account/password"),
                    ("organizer", "/organizer/contests/new"), ("organizer", "/organizer/contests/{slug}/rounds")]


@pytest.mark.parametrize(("who", "path"), FORMS_SENT_EMPTY)
def test_forms_with_errors_shown(pages, site, who, path):
    base, values, _app = site
    page = pages(who)
    page.goto(base + path.format(**values))
    with page.expect_navigation():
        page.locator("main form:has(input[name=csrf_token]) [type=submit]").last.click()
    settle(page)
    assert page.locator(".error, .flash.error, [aria-invalid=true]").count(), page.url
    found = violations(page)
    assert not found, f"{path} ({who}) with errors shown breaks WCAG A/AA rules:\n{report(found)}"


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def is_large(page) -> bool:
    return page.evaluate("document.documentElement.classList.contains('large-text')")


def test_larger_text_is_remembered_and_applied_by_the_server(browser, site):
    base, values, _app = site
    context = new_context(browser, "anonymous")
    page = context.new_page()
    try:
        page.goto(base + "/")
        button = page.get_by_role("button", name="Cỡ chữ lớn")
        assert button.get_attribute("aria-pressed") == "false" and not is_large(page)
        button.focus()
        page.keyboard.press("Space")  # applied at once, by static/textsize.js
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus shows
        assert button.get_attribute("aria-pressed") == "true" and is_large(page)
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
        page.reload()
        assert is_large(page)  # from the server: the page came with the class
        page.goto(f"{base}/contests/{values['slug']}/leaderboard")
        assert is_large(page) and fits_the_phone(page)
        assert page.get_by_role("button", name="Cỡ chữ lớn").get_attribute("aria-pressed") == "true"
        assert not violations(page)
        page.get_by_role("button", name="Cỡ chữ lớn").click()
        assert not is_large(page)
        page.reload()
        assert not is_large(page)
        assert page.get_by_role("button", name="Cỡ chữ lớn").get_attribute("aria-pressed") == "false"
    finally:
        context.close()


def test_larger_text_without_javascript(browser, site):
    """The button is a form: without JavaScript the server sets the cookie and sends the visitor back."""
    base, values, _app = site
    context = browser.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/contests/{values['slug']}?lang=vi")
        page.get_by_role("button", name="Cỡ chữ lớn").click()
        page.wait_for_url(f"{base}/contests/{values['slug']}?lang=vi")
        assert is_large(page)
        assert page.get_by_role("button", name="Cỡ chữ lớn").get_attribute("aria-pressed") == "true"
        [cookie] = [c for c in context.cookies() if c["name"] == "text_size"]
        assert cookie["value"] == "large" and cookie["expires"] > time.time() + 300 * 86400
        page.get_by_role("button", name="Cỡ chữ lớn").click()
        page.wait_for_url(f"{base}/contests/{values['slug']}?lang=vi")
        assert not is_large(page) and not [c for c in context.cookies() if c["name"] == "text_size"]
    finally:
        context.close()


def test_the_quiz_and_tables_fit_the_phone_with_larger_text(pages, site):
    """The participant's pages with tables and the quiz itself, in larger text at 360 px: nothing overflows."""
    base, values, _app = site
    for who, path in (("taker", "/attempts/{open_attempt}"), ("participant", "/attempts/{finished_attempt}"),
                      ("participant", "/me"), ("participant", "/contests/{slug}")):
        page = pages(who)
        page.context.add_cookies([{"name": "text_size", "value": "large", "url": base}])
        page.goto(base + path.format(**values))
        settle(page)
        assert is_large(page), path
        assert fits_the_phone(page), (path, page.evaluate("document.documentElement.scrollWidth"))
        assert not violations(page), path
        page.context.clear_cookies(name="text_size")


def test_the_setting_goes_back_to_this_site_only(site):
    _base, _values, app = site
    web = app.test_client()
    csrf = token(web.get("/").get_data(as_text=True))
    r = web.post("/settings/text-size?next=//evil.example/x", data={"csrf_token": csrf, "large": "1"})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert "text_size=large" in r.headers["Set-Cookie"] and "Max-Age=31536000" in r.headers["Set-Cookie"]
    assert 'class="large-text"' in web.get("/").get_data(as_text=True)
    r = web.post("/settings/text-size?next=/contests/thi-thu", data={"csrf_token": csrf, "large": "0"})
    assert r.status_code == 303 and r.headers["Location"] == "/contests/thi-thu"
    assert "large-text" not in web.get("/").get_data(as_text=True)
    assert web.post("/settings/text-size", data={"large": "1"}).status_code == 400  # no CSRF token

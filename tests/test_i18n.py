"""English everywhere: the catalog covers every msgid, every main page of every role says nothing in Vietnamese
with ``?lang=en`` (the test data is ASCII, so any Vietnamese letter is an untranslated text), the language is
chosen by ``?lang=``, remembered (session and cookie, past a logout) or taken from Accept-Language on a first
visit; API errors, numbers, PDFs and mails follow it."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from tests.helpers import ASCII_WORDS, ApiClient, error_code, finished_attempt, make_questions, page_client

# Letters that only Vietnamese uses (ă â đ ê ô ơ ư and the vowels with tone marks), either case.
VIETNAMESE = re.compile("[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
# What is Vietnamese on purpose in an English page: elements marked lang="vi" (the language switch, the law's
# own words), the official province and ward names of the place picker, the scripts' texts keyed by their msgid.
MARKED = re.compile(r'<(\w+)[^>]*\blang="vi"[^>]*>.*?</\1>|<select[^>]*name="(?:province|locality_code)".*?</select>'
                    r'|data-texts="[^"]*"', re.S)


def untranslated(html: str) -> list[str]:
    """The Vietnamese words left in a page, each with a little context."""
    text = MARKED.sub("", html)
    return [text[max(0, m.start() - 60):m.end() + 60].replace("\n", " ") for m in VIETNAMESE.finditer(text)]


def test_every_msgid_has_an_english_translation():
    from quiz.infra import catalogs

    missing = catalogs.missing("en")
    assert not missing, ("msgids without a finished English translation (run `flask translations update`, then "
                         "fill their msgstr in translations/en/LC_MESSAGES/messages.po):\n" + "\n".join(missing))


@pytest.fixture
def english_site(app, session, user_factory):
    """An ASCII contest with ASCII questions and people, one finished attempt, a person of every role."""
    from quiz.bank.questions import import_questions
    from quiz.contest.contests import create_contest
    from quiz.models import utcnow

    import_questions(session, make_questions(words=ASCII_WORDS))
    now = utcnow()
    contest = create_contest(session, slug="law-quiz", title="Law quiz", description="A quiz on the law.",
                             rules="# Rules\n\nBe fair.", opens_at=now - timedelta(hours=1),
                             closes_at=now + timedelta(days=1), question_count=20, prize_tiers="1:First prize")
    people = {role: user_factory(role=role, email=f"{role}@example.com", full_name=f"Test {role.title()}",
                                 unit="Coop Tan Phu", locality="Dong Nai")
              for role in ("participant", "organizer", "judge", "admin")}
    finished_attempt(session, contest, people["participant"], 15, 300, now - timedelta(minutes=10))
    return contest, people


@pytest.fixture
def english_features(english_site, session):
    """The merged features' pages over ASCII data: collective prizes on the contest, a practice contest, an
    accommodation, an open question report (on an attempt of the practice contest), an organization."""
    from quiz.contest.accommodations import set_accommodation
    from quiz.contest.attempts import start_attempt
    from quiz.contest.contests import create_contest, update_contest
    from quiz.contest.organizations import create_organization
    from quiz.contest.reports import create_report
    from quiz.models import AttemptQuestion

    contest, people = english_site
    update_contest(session, contest, title=contest.title, description=contest.description,
                   rules=contest.rules, opens_at=contest.opens_at, closes_at=contest.closes_at, question_count=20,
                   prize_tiers="1:First prize", collective="participants", collective_prizes="1:Unit prize",
                   collective_min=1)
    practice = create_contest(session, slug="practice", title="Practice", description="Try it.", practice=True)
    set_accommodation(session, contest, "participant@example.com", 300, 1, None)
    attempt, _created = start_attempt(session, people["participant"].id, practice)
    question_id = session.query(AttemptQuestion.question_id).filter_by(attempt_id=attempt.id).first()[0]
    create_report(session, attempt.id, people["participant"].id, question_id, "The answer looks wrong.", None)
    create_organization(session, slug="coop-north", name="Coop North", contact="north@example.com")
    session.commit()
    return contest, people


PAGES = {
    None: ["/", "/login", "/register", "/forgot-password", "/contests/law-quiz", "/contests/law-quiz/leaderboard",
           "/contests/law-quiz/rules", "/privacy", "/verify/NOSUCHCODE", "/no-such-page",
           "/reset-password/code"],
    "participant": ["/", "/contests/law-quiz", "/me", "/account/profile", "/account/password", "/me/delete",
                    "/attempts/1", "/contests/practice", "/attempts/2"],
    "organizer": ["/organizer/questions", "/organizer/questions/upload", "/organizer/questions/T-000/edit",
                  "/organizer/contests", "/organizer/contests/new", "/organizer/contests/law-quiz/edit",
                  "/organizer/contests/law-quiz/rounds", "/organizer/contests/law-quiz/suspicious",
                  "/organizer/units", "/results/", "/results/law-quiz",
                  "/organizer/contests/law-quiz/accommodations", "/organizer/reports",
                  "/organizer/reports?status=resolved"],
    "judge": ["/judges/law-quiz", "/results/law-quiz", "/judges/law-quiz/ceremony"],
    "admin": ["/admin/audit", "/organizer/contests", "/admin/organizations/", "/admin/organizations/new",
              "/admin/organizations/coop-north/edit", "/organizer/reports"],
}


@pytest.mark.parametrize("role", list(PAGES), ids=lambda r: r or "visitor")
def test_the_main_pages_in_english_have_no_vietnamese_left(client_app, english_features, role):
    web = page_client(client_app, f"{role}@example.com" if role else None)
    assert '<html lang="en">' in web.get("/?lang=en").get_data(as_text=True)
    problems = {}
    for path in PAGES[role]:
        r = web.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        html = r.get_data(as_text=True)
        assert '<html lang="en">' in html, path
        if untranslated(html):
            problems[path] = untranslated(html)[:5]
    assert not problems, "\n".join(f"{path}: {found}" for path, found in problems.items())


# What each merged feature's page shows in English over english_features (so the pages above really show them).
FEATURES = {
    None: {"/reset-password/code": "Enter the confirmation code"},
    "participant": {"/contests/practice": "as many attempts as you like", "/attempts/2": "Flag for review"},
    "organizer": {"/organizer/contests/law-quiz/accommodations": "Remove the extra time and attempts of",
                  "/organizer/reports": "The answer looks wrong.", "/organizer/contests/law-quiz/edit": "Unit prizes"},
    "judge": {"/judges/law-quiz": "Coop Tan Phu", "/judges/law-quiz/ceremony": "Announce the next winner"},
    "admin": {"/admin/organizations/": "Coop North",
              "/admin/organizations/coop-north/edit": "Organization code: coop-north"},
}


@pytest.mark.parametrize("role", list(FEATURES), ids=lambda r: r or "visitor")
def test_the_merged_features_pages_show_their_english(client_app, english_features, role):
    web = page_client(client_app, f"{role}@example.com" if role else None)
    for path, expected in FEATURES[role].items():
        html = web.get(path + ("&" if "?" in path else "?") + "lang=en").get_data(as_text=True)
        assert expected in html, path


def test_a_first_visit_follows_accept_language(client_app):
    for header, lang in (("en-US,en;q=0.9", "en"), ("vi-VN,vi;q=0.9,en;q=0.8", "vi"), ("fr-FR", "vi"),
                         ("fr, en;q=0.5", "en")):
        html = client_app.test_client().get("/", headers={"Accept-Language": header}).get_data(as_text=True)
        assert f'<html lang="{lang}">' in html, header
    html = client_app.test_client().get("/").get_data(as_text=True)
    assert '<html lang="vi">' in html and 'hreflang="en"' in html  # no header: Vietnamese, a link to English


def test_the_choice_is_remembered_past_a_logout(client_app, english_site):
    web = page_client(client_app, "participant@example.com")
    vietnamese_browser = {"Accept-Language": "vi"}
    r = web.get("/me?lang=en", headers=vietnamese_browser)
    assert "lang=en" in r.headers["Set-Cookie"] and "Max-Age=31536000" in r.headers["Set-Cookie"]
    assert '<html lang="en">' in web.get("/", headers=vietnamese_browser).get_data(as_text=True)
    assert 'href="/me?lang=vi" hreflang="vi" lang="vi">Tiếng Việt</a>' in web.get("/me").get_data(as_text=True)
    page = web.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)
    assert web.post("/logout", data={"csrf_token": token}).status_code == 302
    assert '<html lang="en">' in web.get("/login", headers=vietnamese_browser).get_data(as_text=True)
    assert '<html lang="vi">' in web.get("/login?lang=vi", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="vi">' in web.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_api_errors_follow_the_language_and_keep_their_code(client_app, english_site):
    english = ApiClient(client_app, language="en")
    wrong = english.login("participant@example.com", "not-the-password")
    assert error_code(wrong) == "invalid_credentials"
    assert wrong.get_json()["error"]["message"] == "Wrong email or password."
    vietnamese = ApiClient(client_app, language="vi")
    assert vietnamese.login("participant@example.com", "x-wrong-1").get_json()["error"]["message"] == \
        "Email hoặc mật khẩu không đúng."
    chosen = vietnamese.post("/api/v1/auth/login?lang=en", json={"email": "participant@example.com",
                                                                 "password": "x-wrong-1"})
    assert chosen.get_json()["error"] == {"code": "invalid_credentials", "message": "Wrong email or password."}
    # Field messages too, also those made from a template with values (quiz.i18n.Text).
    bad = english.post("/api/v1/auth/register", json={"full_name": "A" * 200, "email": "no", "password": "x",
                                                      "consent": True})
    fields = bad.get_json()["error"]["fields"]
    assert error_code(bad) == "invalid_fields" and fields["email"] == "The email address is not valid."
    assert not any(VIETNAMESE.search(str(v)) for v in fields.values()), fields
    missing = english.get("/api/v1/contests/no-such-contest")
    assert error_code(missing) == "not_found" and missing.get_json()["error"]["message"] == "Contest not found."


def test_numbers_dates_and_durations_per_language(client_app):
    from datetime import datetime, timezone

    from quiz.web import locale

    when = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    expected = {"vi": ("15,90%", "1.234.567", "3,50", "08:00 01/12/2026", "1 phút 05 giây", "1,5"),
                "en": ("15.90%", "1,234,567", "3.50", "1 Dec 2026, 08:00", "1 min 05 s", "1.5")}
    for lang, values in expected.items():
        with client_app.test_request_context(f"/?lang={lang}"):
            assert (locale.percent(0.159), locale.number(1234567), locale.number(3.5), locale.when(when),
                    locale.duration(65_000), locale.minutes(90)) == values


def test_a_domain_texts_numbers_follow_the_language(client_app):
    from quiz.i18n import N_, Number, Text
    from quiz.web import locale

    message = Text(N_("từ 1 đến %(n)s"), n=Number(100_000))
    assert message == "từ 1 đến 100.000"  # the command line and the logs read the Vietnamese
    for lang, expected in (("vi", "từ 1 đến 100.000"), ("en", "from 1 to 100,000")):
        with client_app.test_request_context(f"/?lang={lang}"):
            assert locale.text(message) == expected


def test_the_ceremony_report_and_certificates_in_english(app, session, client_app, english_site, tmp_path):
    from quiz.contest import certificates, ranking
    from quiz.files import certificates as pdfs
    from quiz.infra import audit
    from quiz.web.locale import translator

    contest, people = english_site
    judge = ApiClient.logged_in(client_app, "judge@example.com")
    r = judge.get("/api/v1/contests/law-quiz/report.pdf?lang=en")
    assert r.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    for expected in ("CONTEST FINAL REPORT", "Participants: 1", "Attempts: 1", "1. Overview", "Page 1/"):
        assert expected in text, expected
    assert not VIETNAMESE.search(text.replace("Viet Nam", "")), text
    out = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(args=["report", "law-quiz", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "CONTEST FINAL REPORT" in PdfReader(out).pages[0].extract_text()
    ranking.freeze(session, contest, None, audit.SYSTEM)
    [cert] = certificates.issue(session, contest, None, ("prize",), audit.CLI, people["participant"].id)
    renderer = pdfs.Renderer("Coop Alliance", contest.title, None, tr=translator("en"))
    text = PdfReader(io.BytesIO(renderer.render(cert.kind, pdfs.stamp_of(cert, "https://quiz.example")))
                     ).pages[0].extract_text()
    for expected in ("CERTIFICATE", "has won", "First prize", "Rank: 1", "Verification code: " + cert.code):
        assert expected in text, expected


def test_the_reset_mail_in_the_language_it_was_asked_in(client_app, mailbox, english_site):
    client_app.config.update(mailbox.config)
    english = ApiClient(client_app, language="en")
    assert english.post("/api/v1/auth/password-reset", json={"email": "participant@example.com"}).status_code == 202
    sent = mailbox.wait(1)[0]
    assert sent["message"]["Subject"] == "Reset your password"
    assert sent["body"].startswith("Hello Test Participant,") and "valid for 1 hours" in sent["body"]


@pytest.mark.browser
def test_the_quiz_page_s_script_speaks_english(page, live_server, english_site):
    from tests.helpers import browser_login

    base = live_server.url
    browser_login(page, base, "participant@example.com")
    page.goto(base + "/contests/law-quiz?lang=en")
    page.click("text=Start attempt 2")
    page.wait_for_selector("fieldset.question:not([hidden])")
    assert page.inner_text("fieldset.question:not([hidden]) legend").startswith("Question 1/20")
    assert page.get_attribute("#navigator button:nth-child(2)", "aria-label") == "Question 2"
    page.locator("fieldset.question:not([hidden]) input").first.check()
    page.wait_for_selector("text=All answers saved")
    assert page.inner_text("#unanswered") == "You have 19 unanswered questions."
    assert not untranslated(page.content())

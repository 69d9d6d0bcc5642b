"""Every organizer, judge and admin page and endpoint, for every role: anonymous gets a login redirect or
401, the wrong role 403, never data. Who is let in is read from the role policy (quiz.roles), which
test_the_policy pins to today's rules."""
import pytest

from quiz import roles
from tests.helpers import page_client, token

RESULTS_PAGES = ["/results/", "/results/thi-thu", "/results/thi-thu?fragment=1"]
SUSPICIOUS_PAGES = ["/organizer/contests/thi-thu/suspicious", "/organizer/contests/thi-thu/suspicious.csv"]
STAFF_PAGES = RESULTS_PAGES + SUSPICIOUS_PAGES
ORGANIZER_PAGES = ["/organizer/questions", "/organizer/questions/upload", "/organizer/questions/export?format=csv",
                   "/organizer/questions/HTX-1/edit", "/organizer/contests", "/organizer/contests/new",
                   "/organizer/contests/thi-thu/edit", "/organizer/contests/thi-thu/rounds"]
STAFF_API = ["/api/v1/contests/thi-thu/stats", "/api/v1/contests/thi-thu/winners?format=csv",
             "/api/v1/contests/thi-thu/winners?format=xlsx"]
ADMIN_PAGES = ["/admin/audit", "/admin/audit?actor=admin&action=contest.create&since=2026-01-01&until=2030-01-01",
               "/admin/audit.csv"]


@pytest.fixture
def world(client_app, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    for role in roles.ALL:
        user_factory(role=role, email=f"{role}@example.vn", full_name=f"Vai trò {role}")
    return client_app


def client_as(app, role):
    return page_client(app, f"{role}@example.vn" if role else None)


def test_anonymous(world):
    c = client_as(world, None)
    for path in STAFF_PAGES + ORGANIZER_PAGES + ADMIN_PAGES:
        r = c.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    for path in STAFF_API:
        r = c.get(path)
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "not_logged_in", path


def test_the_policy():
    """Who may do what, as it is today: a change here is a change of behaviour."""
    assert roles.ALL == ("participant", "organizer", "judge", "admin") and roles.DEFAULT == "participant"
    assert set(roles.STAFF) == {"organizer", "judge", "admin"}
    assert set(roles.MANAGE_CONTESTS) == {"organizer", "admin"}
    assert set(roles.READ_RESULTS) == set(roles.READ_SUSPICIOUS) == set(roles.STAFF)  # judges too
    assert set(roles.READ_AUDIT) == set(roles.REFREEZE_RANKING) == {"admin"}
    assert set(roles.ORGANIZATION_STAFF) == {"organizer", "judge"}  # staff who may belong to one organization
    assert set(roles.MANAGE_ORGANIZATIONS) == {"admin"}  # not platform organizers: making a tenant is the admins'
    groups = [roles.STAFF, roles.MANAGE_CONTESTS, roles.READ_RESULTS, roles.READ_SUSPICIOUS, roles.READ_AUDIT,
              roles.REFREEZE_RANKING, roles.MANAGE_ORGANIZATIONS]
    assert all(set(group) <= set(roles.ALL) and roles.PARTICIPANT not in group for group in groups)


@pytest.mark.parametrize("role", roles.ALL)
def test_each_role(world, role):
    c = client_as(world, role)
    organizer = role in roles.MANAGE_CONTESTS
    for paths, group in ((RESULTS_PAGES + STAFF_API, roles.READ_RESULTS), (SUSPICIOUS_PAGES, roles.READ_SUSPICIOUS)):
        for path in paths:
            r = c.get(path)
            assert (r.status_code == 200) is (role in group), (role, path, r.status_code)
            if role not in group:
                body = r.get_data(as_text=True)
                assert r.status_code == 403 and "Người dự thi" not in body and "participants" not in body
    for path in ORGANIZER_PAGES:
        r = c.get(path)
        if organizer:
            assert r.status_code in (200, 404), (role, path)  # 404: the sample question code does not exist
        else:
            assert r.status_code == 403, (role, path)
    if not organizer:
        r = c.post("/organizer/contests/new", data={"slug": "x", "title": "x"})
        assert r.status_code in (400, 403)
    for path in ADMIN_PAGES:
        r = c.get(path)
        if role in roles.READ_AUDIT:
            assert r.status_code == 200, (role, path)
        else:
            body = r.get_data(as_text=True)
            assert r.status_code == 403 and "Nhật ký" not in body and "actor_email" not in body, (role, path)


def test_admin_sees_the_audit_log_and_its_link(world, session):
    from quiz.infra import audit

    audit.record_now(session, audit.CLI, "contest.create", "contest", "thi-thu")
    admin = client_as(world, "admin")
    assert 'href="/admin/audit"' in admin.get("/").get_data(as_text=True)
    assert "thi-thu" in admin.get("/admin/audit").get_data(as_text=True)
    assert "thi-thu" in admin.get("/admin/audit.csv").get_data(as_text=True)
    for role in set(roles.ALL) - set(roles.READ_AUDIT):
        c = client_as(world, role)
        assert 'href="/admin/audit"' not in c.get("/").get_data(as_text=True)
        assert "thi-thu" not in c.get("/admin/audit.csv").get_data(as_text=True)


def test_dashboard_shows_vietnamese_numbers(world, session):
    c = client_as(world, "judge")
    html = c.get("/results/thi-thu").get_data(as_text=True)
    assert "Người dự thi" in html and "0,00%" in html and 'id="histogram"' in html


SAMPLE_ARGS = {"slug": "thi-thu", "code": "HTX-1", "number": "1", "attempt_id": "1", "user_id": "1", "filename": "x"}
STAFF_PREFIXES = ("/organizer", "/results", "/admin", "/judges")
# The policy group guarding each staff blueprint (or API endpoint). A new staff blueprint names its group here.
GROUPS = {"organizer": roles.MANAGE_CONTESTS, "suspicious": roles.READ_SUSPICIOUS, "dashboard": roles.READ_RESULTS,
          "admin": roles.READ_AUDIT, "api.stats": roles.READ_RESULTS, "api.winners": roles.READ_RESULTS,
          "judges": roles.JUDGE_VERDICTS, "api.set_verdict": roles.JUDGE_VERDICTS,
          "api.ranking_versions": roles.READ_RESULTS, "api.certificates_zip": roles.READ_RESULTS,
          "api.ceremony_report": roles.READ_RESULTS, "api.question_reports": roles.MANAGE_CONTESTS,
          "organizations": roles.MANAGE_ORGANIZATIONS, "organizer.accommodations": roles.MANAGE_CONTESTS,
          "api.collective_ranking": roles.READ_RESULTS, "ceremony": roles.READ_RESULTS}


def staff_routes(app):
    """Every (method, url, group) of a staff page or a staff-only API endpoint, built from the app's own routes."""
    for rule in app.url_map.iter_rules():
        api_staff = rule.rule.startswith("/api/") and rule.rule.endswith(
            ("/stats", "/winners", "/suspicious", "/verdicts", "/rankings", "/certificates.zip", "/report.pdf",
             "/question-reports", "/collective"))
        if not (rule.rule.startswith(STAFF_PREFIXES) or api_staff):
            continue
        group = GROUPS.get(rule.endpoint) or GROUPS.get(rule.endpoint.split(".")[0])
        assert group, f"{rule.rule} ({rule.endpoint}): which group of quiz.roles may use it?"
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", SAMPLE_ARGS.get(arg, "1"))
            for converter in ("int", "path", "string"):
                url = url.replace(f"<{converter}:{arg}>", SAMPLE_ARGS.get(arg, "1"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url, group


def test_every_staff_route_refuses_the_wrong_people(world):
    """Routes added later are covered too: the list comes from the URL map, not from this file."""
    routes = list(staff_routes(world))
    assert len(routes) >= len(STAFF_PAGES + ORGANIZER_PAGES + ADMIN_PAGES) - 4  # the map was read
    anonymous = client_as(world, None)
    people = {role: client_as(world, role) for role in roles.ALL}
    csrf = {role: token(c.get("/contests/thi-thu").get_data(as_text=True)) for role, c in people.items()}
    for method, url, group in routes:
        r = anonymous.open(url, method=method, data={"csrf_token": "x"})
        assert r.status_code in (302, 400, 401), (method, url, r.status_code)
        if r.status_code == 302:
            assert "/login" in r.headers["Location"], (method, url)
        for role in set(roles.ALL) - set(group):  # the participant always, judges on organizer pages, ...
            r = people[role].open(url, method=method, data={"csrf_token": csrf[role]},
                                 headers={"X-CSRFToken": csrf[role]})  # the API reads the header
            body = r.get_data(as_text=True)
            assert r.status_code == 403, (role, method, url, r.status_code)
            for other in ("organizer@example.vn", "judge@example.vn", "admin@example.vn", "Vai trò organizer"):
                if not other.endswith(f"{role}@example.vn") and other != f"Vai trò {role}":
                    assert other not in body, (role, method, url, other)


# Staff of one organization: the contest thi-thu belongs to organization A (Hải Phòng). Staff of organization B
# (Nam Định) get 403 or 404 and none of its data on every staff route of it; A's staff, platform staff (no
# organization) and admins get in. Lists show each only what they may manage. The rule is quiz.contest.scope.
SECRET = {"email": "lan.bimat@example.vn", "phone": "0912345678", "unit": "HTX Bí Mật Hải Phòng"}


@pytest.fixture
def two_orgs(client_app, session, bank, contest_factory, user_factory):
    from quiz.contest.organizations import create_organization
    from tests.helpers import ApiClient, register

    a = create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")
    b = create_organization(session, slug="nam-dinh", name="Liên minh HTX tỉnh Nam Định")
    contest_factory("thi-thu", organization_id=a.id, rules="# Thể lệ\n\nMỗi người ba lượt.")
    contest_factory("nd-thi", title="Cuộc thi Nam Định", organization_id=b.id)
    contest_factory("chung", title="Cuộc thi của nền tảng")
    for org in (a, b):
        for role in roles.ORGANIZATION_STAFF:
            user_factory(role=role, email=f"{role}.{org.slug}@example.vn", full_name=f"{role} {org.slug}",
                         organization_id=org.id)
    for role in roles.ALL:
        user_factory(role=role, email=f"{role}@example.vn", full_name=f"Vai trò {role}")
    # A participant of A's contest with a finished attempt: the data that must not reach B's staff.
    lan = ApiClient(client_app)
    assert register(lan, email=SECRET["email"], phone=SECRET["phone"], unit=SECRET["unit"]).status_code == 201
    attempt = lan.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]
    assert lan.post(f"/api/v1/attempts/{attempt['id']}/submit", json={"prediction": 1}).status_code == 200
    return client_app, attempt["id"]


def _contest_routes(app, attempt_id):
    for method, url, group in staff_routes(app):
        if "/thi-thu" in url:
            yield method, url.replace("/attempts/1", f"/attempts/{attempt_id}"), group


def test_staff_of_another_organization_get_nothing(two_orgs):
    app, attempt_id = two_orgs
    routes = list(_contest_routes(app, attempt_id))
    assert len(routes) >= 10  # edit, close, rounds, statistics, winners, suspicious, the attempt view...
    for role in roles.ORGANIZATION_STAFF:
        c = client_as(app, f"{role}.nam-dinh")
        csrf = token(c.get("/contests/thi-thu").get_data(as_text=True))
        for method, url, group in routes:
            if role not in group:
                continue  # the role check already refuses it (test_every_staff_route_refuses_the_wrong_people)
            r = c.open(url, method=method, data={"csrf_token": csrf, "title": "Đổi tên", "number": "1"},
                       headers={"X-CSRFToken": csrf})
            body = r.get_data(as_text=True)
            assert r.status_code in (403, 404), (role, method, url, r.status_code)
            for secret in SECRET.values():
                assert secret not in body, (role, method, url, secret)
    from quiz.infra.database import reading
    from quiz.infra.extensions import db
    from quiz.models import Contest, Round, utcnow

    with reading(db.session):
        contest = db.session.execute(db.select(Contest).where(Contest.slug == "thi-thu")).scalar_one()
        db.session.refresh(contest)
        assert contest.title == "Cuộc thi thử" and contest.status_at(utcnow()) == "open"  # not renamed, not closed
        assert db.session.execute(db.select(Round)).first() is None


def test_own_and_platform_staff_and_admins_get_in(two_orgs):
    app, attempt_id = two_orgs
    routes = [(m, u, g) for m, u, g in _contest_routes(app, attempt_id) if m == "GET"]
    people = {"organizer.hai-phong": "organizer", "judge.hai-phong": "judge", "organizer": "organizer",
              "judge": "judge", "admin": "admin"}
    for who, role in people.items():
        c = client_as(app, who)
        for _m, url, group in routes:
            if role in group:
                r = c.get(url)
                assert r.status_code == 200, (who, url, r.status_code)
    judge = client_as(app, "judge.hai-phong")
    assert SECRET["email"] in judge.get("/api/v1/contests/thi-thu/winners?format=csv").get_data(as_text=True)


def test_lists_show_only_what_one_may_manage(two_orgs):
    app, _ = two_orgs
    seen = {}
    for who in ("organizer.hai-phong", "organizer.nam-dinh", "organizer", "admin"):
        html = client_as(app, who).get("/organizer/contests").get_data(as_text=True)
        seen[who] = {slug for slug in ("thi-thu", "nd-thi", "chung") if f'data-slug="{slug}"' in html}
    assert seen == {"organizer.hai-phong": {"thi-thu"}, "organizer.nam-dinh": {"nd-thi"},
                    "organizer": {"thi-thu", "nd-thi", "chung"}, "admin": {"thi-thu", "nd-thi", "chung"}}
    results = client_as(app, "judge.nam-dinh").get("/results/").get_data(as_text=True)
    assert "/results/nd-thi" in results and "/results/thi-thu" not in results and "/results/chung" not in results
    # The public list still shows every contest, with its organization.
    public = client_as(app, None).get("/").get_data(as_text=True)
    assert "Liên minh HTX thành phố Hải Phòng" in public and "Cuộc thi của nền tảng" in public


def test_new_contests_belong_to_their_makers_organization(two_orgs, session):
    from quiz.models import Contest

    app, _ = two_orgs
    c = client_as(app, "organizer.nam-dinh")
    page = c.get("/organizer/contests/new").get_data(as_text=True)
    assert 'name="organization"' not in page  # theirs is taken; no choice offered
    r = c.post("/organizer/contests/new", data={
        "csrf_token": token(page), "slug": "nd-tuan-2", "title": "Tuần 2", "opens_at": "2026-01-01T08:00",
        "closes_at": "2027-01-01T08:00", "time_limit_min": "20", "max_attempts": "3", "review_policy": "after_submit",
        "rules": "**Thể lệ** tuần 2"})
    assert r.status_code == 302, r.get_data(as_text=True)
    from quiz.infra.database import reading

    with reading(session):
        made = session.execute(session.query(Contest).filter_by(slug="nd-tuan-2").statement).scalar_one()
        assert made.organization.slug == "nam-dinh" and made.rules == "**Thể lệ** tuần 2"
    platform = client_as(app, "organizer")
    assert "Liên minh HTX tỉnh Nam Định" in platform.get("/organizer/contests/new").get_data(as_text=True)

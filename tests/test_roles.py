"""Every organizer, judge and admin page and endpoint, for every role: anonymous gets a login redirect or
401, the wrong role 403, never data."""
import pytest

from tests.helpers import page_client, token

STAFF_PAGES = ["/results/", "/results/thi-thu", "/results/thi-thu?fragment=1", "/organizer/contests/thi-thu/suspicious",
               "/organizer/contests/thi-thu/suspicious.csv"]
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
    for role in ("participant", "organizer", "judge", "admin"):
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


@pytest.mark.parametrize("role,staff,organizer", [("participant", False, False), ("judge", True, False),
                                                  ("organizer", True, True), ("admin", True, True)])
def test_each_role(world, role, staff, organizer):
    c = client_as(world, role)
    for path in STAFF_PAGES + STAFF_API:
        r = c.get(path)
        assert (r.status_code == 200) is staff, (role, path, r.status_code)
        if not staff:
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
        if role == "admin":
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
    for role in ("participant", "organizer", "judge"):
        c = client_as(world, role)
        assert 'href="/admin/audit"' not in c.get("/").get_data(as_text=True)
        assert "thi-thu" not in c.get("/admin/audit.csv").get_data(as_text=True)


def test_dashboard_shows_vietnamese_numbers(world, session):
    c = client_as(world, "judge")
    html = c.get("/results/thi-thu").get_data(as_text=True)
    assert "Người dự thi" in html and "0,00%" in html and 'id="histogram"' in html


SAMPLE_ARGS = {"slug": "thi-thu", "code": "HTX-1", "number": "1", "attempt_id": "1", "user_id": "1", "filename": "x"}
STAFF_PREFIXES = ("/organizer", "/results", "/admin")


def staff_routes(app):
    """Every (method, url) of a staff page or a staff-only API endpoint, built from the app's own routes."""
    for rule in app.url_map.iter_rules():
        api_staff = rule.rule.startswith("/api/") and rule.rule.endswith(("/stats", "/winners", "/suspicious"))
        if not (rule.rule.startswith(STAFF_PREFIXES) or api_staff):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<{arg}>", SAMPLE_ARGS.get(arg, "1"))
            for converter in ("int", "path", "string"):
                url = url.replace(f"<{converter}:{arg}>", SAMPLE_ARGS.get(arg, "1"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def test_every_staff_route_refuses_the_wrong_people(world):
    """Routes added later are covered too: the list comes from the URL map, not from this file."""
    routes = list(staff_routes(world))
    assert len(routes) >= len(STAFF_PAGES + ORGANIZER_PAGES + ADMIN_PAGES) - 4  # the map was read
    anonymous, participant = client_as(world, None), client_as(world, "participant")
    csrf = token(participant.get("/contests/thi-thu").get_data(as_text=True))
    for method, url in routes:
        r = anonymous.open(url, method=method, data={"csrf_token": "x"})
        assert r.status_code in (302, 400, 401), (method, url, r.status_code)
        if r.status_code == 302:
            assert "/login" in r.headers["Location"], (method, url)
        r = participant.open(url, method=method, data={"csrf_token": csrf})
        body = r.get_data(as_text=True)
        assert r.status_code == 403, (method, url, r.status_code)
        for other in ("organizer@example.vn", "judge@example.vn", "admin@example.vn", "Vai trò organizer"):
            assert other not in body, (method, url, other)

"""Every organizer, judge and admin page and endpoint, for every role: anonymous gets a login redirect or
401, the wrong role 403, never data."""
import pytest

from .test_pages import token

STAFF_PAGES = ["/results/", "/results/thi-thu", "/results/thi-thu?fragment=1", "/organizer/contests/thi-thu/suspicious",
               "/organizer/contests/thi-thu/suspicious.csv"]
ORGANIZER_PAGES = ["/organizer/questions", "/organizer/questions/upload", "/organizer/questions/export?format=csv",
                   "/organizer/questions/HTX-1/edit", "/organizer/contests", "/organizer/contests/new",
                   "/organizer/contests/thi-thu/edit", "/organizer/contests/thi-thu/rounds"]
STAFF_API = ["/api/v1/contests/thi-thu/stats", "/api/v1/contests/thi-thu/winners?format=csv",
             "/api/v1/contests/thi-thu/winners?format=xlsx"]


@pytest.fixture
def world(client_app, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    for role in ("participant", "organizer", "judge", "admin"):
        user_factory(role=role, email=f"{role}@example.vn", full_name=f"Vai trò {role}")
    return client_app


def client_as(app, role):
    c = app.test_client()
    if role:
        page = c.get("/login").get_data(as_text=True)
        assert c.post("/login", data={"csrf_token": token(page), "email": f"{role}@example.vn",
                                      "password": "mat-khau-123"}).status_code == 302
    return c


def test_anonymous(world):
    c = client_as(world, None)
    for path in STAFF_PAGES + ORGANIZER_PAGES:
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


def test_dashboard_shows_vietnamese_numbers(world, session):
    c = client_as(world, "judge")
    html = c.get("/results/thi-thu").get_data(as_text=True)
    assert "Người dự thi" in html and "0,00%" in html and 'id="histogram"' in html

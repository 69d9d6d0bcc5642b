"""docs/openapi.yaml and the app agree: same routes and methods, and real answers fit the schemas."""
import re

from openapi_spec_validator import validate

from tests.helpers import SPEC, ApiClient, check, register


def app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def spec_routes() -> set[tuple[str, str]]:
    return {(p, m) for p, item in SPEC["paths"].items() for m in item if m in ("get", "post", "put", "delete")}


def test_spec_is_valid_openapi():
    validate(SPEC)


def test_routes_and_spec_agree(app):
    routes = {(re.sub(r"\{attempt_id\}", "{id}", p), m) for p, m in app_routes(app)}
    assert routes == spec_routes()


def test_real_answers_fit_the_schemas(client_app, session, bank, contest_factory, user_factory):
    contest_factory("thi-thu")
    api = ApiClient(client_app)
    check("Error", api.post("/api/v1/contests/thi-thu/attempts").get_json())
    check("User", register(api).get_json()["user"])
    check("Contest", api.get("/api/v1/contests/thi-thu").get_json()["contest"])
    attempt = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]
    check("Attempt", attempt)
    result = api.post(f"/api/v1/attempts/{attempt['id']}/submit", json={"prediction": 3}).get_json()["result"]
    check("Result", result)
    check("Attempt", api.get(f"/api/v1/attempts/{attempt['id']}").get_json()["attempt"])
    for row in api.get("/api/v1/contests/thi-thu/leaderboard").get_json()["rows"]:
        check("LeaderboardRow", row)
    user_factory(role="organizer", email="btc@example.vn")
    staff = ApiClient.logged_in(client_app, "btc@example.vn")
    check("Stats", staff.get("/api/v1/contests/thi-thu/stats").get_json())

"""What the API fuzzer (test_fuzz_api) found, one regression test each."""
from tests.helpers import SPEC, ApiClient, check, register


def test_a_405_says_which_methods_are_allowed(client_app):
    """Found: the API's JSON 405 (and the pages' 405) dropped the Allow header RFC 9110 requires."""
    web = client_app.test_client()
    r = web.delete("/api/v1/csrf")
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= {"GET", "HEAD"}
    check("Error", r.get_json())
    r = web.put("/login")
    assert r.status_code == 405 and "POST" in r.headers["Allow"] and "text/html" in r.headers["Content-Type"]


def test_a_refused_csrf_token_is_a_documented_400_everywhere(client_app, bank, contest_factory):
    """Found: logout and starting an attempt answer 400 csrf_failed, which their spec did not list."""
    contest_factory("thi-thu")
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            refs = [p.get("$ref", "") for p in operation.get("parameters", [])]
            if "#/components/parameters/csrf" in refs:
                assert "400" in operation["responses"], (method, path)
    api = ApiClient(client_app)
    register(api)
    for path in ("/api/v1/auth/logout", "/api/v1/contests/thi-thu/attempts"):
        r = api.http.post(path, headers={"X-CSRFToken": "made-up"})
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf_failed", path


def test_a_whole_number_prediction_written_as_a_float_counts(client_app, bank, contest_factory):
    """Found: {"prediction": 63.0} (a JSON Schema integer) was refused; the spec also lacked the app's maximum."""
    contest_factory("thi-thu")
    api = ApiClient(client_app)
    register(api)
    aid = api.post("/api/v1/contests/thi-thu/attempts").get_json()["attempt"]["id"]
    schema = SPEC["paths"]["/api/v1/attempts/{id}/submit"]["post"]["requestBody"]["content"]["application/json"]
    assert schema["schema"]["properties"]["prediction"]["maximum"] == 10**9
    for bad in (63.5, 10**9 + 1, 1e300, float(10**9 + 1)):
        assert api.post(f"/api/v1/attempts/{aid}/submit", json={"prediction": bad}).status_code == 422, bad
    result = api.post(f"/api/v1/attempts/{aid}/submit", json={"prediction": 63.0}).get_json()["result"]
    assert result["prediction"] == 63 and isinstance(result["prediction"], int)


def test_the_spec_states_the_registration_limits_the_app_applies(client_app):
    """Found by checking valid-per-spec requests: the spec now states the lengths the app checks."""
    fields = SPEC["paths"]["/api/v1/auth/register"]["post"]["requestBody"]["content"]["application/json"]
    props = fields["schema"]["properties"]
    api = ApiClient(client_app)
    for name in ("full_name", "password", "unit", "locality"):
        low, high = props[name].get("minLength"), props[name]["maxLength"]
        for value, ok in ((_text(low - 1), False), (_text(low), True)) if low else ():
            assert (name in _problems(api, **{name: value})) != ok, (name, len(value))
        assert name in _problems(api, **{name: _text(high + 1)}) and name not in _problems(api, **{name: _text(high)})


def _text(n: int) -> str:
    return ("Qz7-Lụa-" * 40)[:n]  # no common password, no name in it


def _problems(api, **fields) -> dict:
    """The fields a registration with an invalid email (so nothing is created) complains about."""
    body = {"full_name": "Ai Đó", "email": "not-an-email", "password": "mat-khau-123", **fields}
    r = api.post("/api/v1/auth/register", json=body)
    assert r.status_code == 422
    return r.get_json()["error"]["fields"]

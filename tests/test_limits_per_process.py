"""The answer save's limit is counted in each process, never in Redis (the hot path pays no round trip);
the login's is still counted in Redis for every server."""
from tests.helpers import REDIS_URL


def test_saves_are_counted_in_the_process_and_logins_in_redis(database_url, app, bank, contest_factory,
                                                             user_factory, redis_prefix):
    from quiz import create_app

    prefix, client = redis_prefix
    contest_factory("thi-thu")
    user_factory(email="an@example.vn")
    web = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
                      "RATELIMIT_SAVE_PER_ATTEMPT": "5 per minute"})
    an = web.test_client()
    headers = {"X-CSRFToken": an.get("/api/v1/csrf").get_json()["csrf_token"]}
    assert an.post("/api/v1/auth/login", json={"email": "an@example.vn", "password": "mat-khau-123"},
                   headers=headers).status_code == 200
    attempt = an.post("/api/v1/contests/thi-thu/attempts", headers=headers).get_json()["attempt"]
    q = attempt["questions"][0]
    statuses = [an.put(f"/api/v1/attempts/{attempt['id']}/answers/{q['id']}", headers=headers,
                       json={"option_id": q["options"][0]["id"]}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    keys = [key.decode() for key in client.scan_iter(match=f"*{prefix}*")]
    assert any("login" in key for key in keys) and any("start" in key for key in keys)
    assert not any("save" in key for key in keys), keys

"""Password rules: length, the shipped list of common passwords, not the person's own email or name."""
import pytest

from quiz.accounts.passwords import HAS_EMAIL, HAS_NAME, TOO_COMMON, TOO_SHORT, common_passwords, password_problem
from tests.helpers import ApiClient, error_code, register, token


def test_the_shipped_list():
    common = common_passwords()
    assert len(common) > 8000
    for word in ("matkhau", "123456789", "anhyeuem", "iloveyou", "12345678", "qwerty123", "password1"):
        assert word in common
    assert "mat-khau-123" not in common  # the tests' own password stays usable


@pytest.mark.parametrize("password,email,name,problem", [
    ("1234567", "", "", TOO_SHORT),
    ("x" * 201, "", "", TOO_SHORT),
    (None, "", "", TOO_SHORT),
    ("matkhau123", "", "", TOO_COMMON),
    ("PASSWORD1", "", "", TOO_COMMON),  # case does not help
    ("anhyeuem", "", "", TOO_COMMON),
    ("12345678", "", "", TOO_COMMON),
    ("nguyenvana-2024", "nguyenvana@example.vn", "", HAS_EMAIL),
    ("Tran.Thi-Lan99", "tl@example.vn", "Trần Thị Lan", HAS_NAME),  # diacritics and separators do not help
    ("hoa19901990", "x@example.vn", "Lê Thị Hoa", HAS_NAME),  # the given name, as people like to
    ("mat-khau-123", "lan@example.vn", "Trần Thị Lan", None),
    ("Sông Hồng chảy về biển", "an@example.vn", "Lê An", None),  # short name parts are not checked
])
def test_rules(password, email, name, problem):
    assert password_problem(password, email, name) == problem


def test_registration_refuses_a_common_password_in_vietnamese(client_app, session):
    api = ApiClient(client_app)
    r = register(api, password="iloveyou")
    assert r.status_code == 422 and error_code(r) == "invalid_fields"
    assert r.get_json()["error"]["fields"] == {"password": TOO_COMMON}
    r = register(api, email="tranthilan@example.vn", password="tranthilan-2024")
    assert r.get_json()["error"]["fields"]["password"] in (HAS_EMAIL, HAS_NAME)


def test_register_page_shows_the_rule(client_app, session):
    web = client_app.test_client()
    page = web.get("/register").get_data(as_text=True)
    r = web.post("/register", data={"csrf_token": token(page), "full_name": "Đỗ Văn Nam", "email": "nam@example.vn",
                                    "password": "qwerty123", "confirm": "qwerty123"})
    assert r.status_code == 422 and TOO_COMMON in r.get_data(as_text=True)


def test_cli_refuses_a_common_password(app, session):
    r = app.test_cli_runner().invoke(args=["users", "create", "--email", "a@example.vn", "--password", "password1",
                                           "--name", "Quản Trị"])
    assert r.exit_code == 1 and TOO_COMMON in r.output

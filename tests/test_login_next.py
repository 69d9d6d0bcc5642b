"""The way back after logging in: a page that needs a login sends the visitor to /login?next=..., and the
login sends them back to the very same address, even when its path holds ``&``, ``?``, ``#``, spaces or
Vietnamese letters (percent-encoded in the address) and it has a query of its own."""
import re
from urllib.parse import parse_qs, quote, urlsplit

from flask import jsonify, request
from flask_login import current_user

from quiz.errors import DomainError

WEIRD = "Hợp tác xã & “Đoàn kết” ? #1 100%"
QUERY = "round=1&q=%C4%91%C3%BAng+s%E1%BB%A3&x=%26%23"  # q=đúng sợ, x=&#


def encoded(prefix: str) -> str:
    return quote(prefix + WEIRD, safe="/&") + "?" + QUERY


def form_token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def log_in_at(web, login_url: str, email: str):
    """Post the login form found at ``login_url`` (which carries the next=)."""
    page = web.get(login_url)
    assert page.status_code == 200
    return web.post(login_url, data={"csrf_token": form_token(page.get_data(as_text=True)), "email": email,
                                     "password": "mat-khau-123"})


def next_of(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/login", location
    return parse_qs(parts.query)["next"][0]


def test_a_401_page_comes_back_to_the_same_address(client_app, user_factory):
    user_factory(email="lan@example.vn")

    @client_app.get("/thu-lai/<path:rest>")
    def echo(rest):
        if not current_user.is_authenticated:
            raise DomainError("not_logged_in", "Vui lòng đăng nhập.", 401)  # the error pages' 401 redirect
        return jsonify(rest=rest, args=request.args.to_dict())

    web = client_app.test_client()
    address = encoded("/thu-lai/")
    r = web.get(address)
    assert r.status_code == 302
    assert next_of(r.headers["Location"]) == address  # encoded once, decoded once: unchanged
    r = log_in_at(web, r.headers["Location"], "lan@example.vn")
    assert r.status_code == 302 and r.headers["Location"] == address
    body = web.get(r.headers["Location"]).get_json()
    assert body == {"rest": WEIRD, "args": {"round": "1", "q": "đúng sợ", "x": "&#"}}


def test_a_staff_page_comes_back_to_the_same_address(client_app, user_factory):
    user_factory(email="btc@example.vn", role="organizer")
    web = client_app.test_client()
    address = encoded("/results/")
    r = web.get(address)
    assert r.status_code == 302 and next_of(r.headers["Location"]) == address
    r = log_in_at(web, r.headers["Location"], "btc@example.vn")
    assert r.status_code == 302 and r.headers["Location"] == address
    assert web.get(address).status_code == 404  # the organizer is let in; no contest has that name

"""Organizations (flask orgs create), their staff and contests on the command line, the rules page (thể lệ),
the organization on contest pages and in the API. Who sees what across organizations: tests/test_roles.py."""
import struct
import zlib

from sqlalchemy import func, select

from quiz.models import AuditEntry, Contest, Organization, Round, User
from tests.helpers import ApiClient, check


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def count(session, model):
    n = session.execute(select(func.count()).select_from(model)).scalar_one()
    session.commit()
    return n


def png(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


HP = ["orgs", "create", "--slug", "hai-phong", "--name", "Liên minh HTX thành phố Hải Phòng",
      "--contact", "Số 1 đường Lạch Tray, Hải Phòng · 0225 3 123 456"]


def test_orgs_create(app, session, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    r = run(app, *HP, "--logo", str(logo))
    assert r.exit_code == 0, r.output
    org = session.execute(select(Organization)).scalar_one()
    assert (org.slug, org.name, org.logo) == ("hai-phong", "Liên minh HTX thành phố Hải Phòng", png())
    assert org.contact.startswith("Số 1") and len(org.logo_hash) == 16
    session.commit()
    # A taken slug, a bad PNG, a name too short, a missing file: a clear error, nothing changed.
    taken = run(app, "orgs", "create", "--slug", "hai-phong", "--name", "Tên khác")
    assert taken.exit_code == 1 and "Đã có tổ chức với mã hai-phong" in taken.output
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00")
    broken = tmp_path / "broken.png"
    broken.write_bytes(png()[:30] + b"\x00" * 20)
    for bad, words in ((["--logo", str(gif)], "không phải ảnh PNG"), (["--logo", str(broken)], "PNG bị hỏng"),
                       (["--logo", str(tmp_path / "none.png")], "no such file")):
        r = run(app, "orgs", "create", "--slug", "nam-dinh", "--name", "Liên minh HTX tỉnh Nam Định", *bad)
        assert r.exit_code == 1 and words in r.output, r.output
    r = run(app, "orgs", "create", "--slug", "Nam Định", "--name", "X")
    assert r.exit_code == 1 and "slug" in r.output and "name" in r.output
    assert count(session, Organization) == 1
    again = run(app, *HP, "--if-missing")
    assert again.exit_code == 0 and "unchanged" in again.output and count(session, Organization) == 1
    entries = session.execute(select(AuditEntry.action, AuditEntry.target_id)).all()
    session.commit()
    assert entries == [("org.create", "hai-phong")]


def test_staff_and_contests_of_an_organization(app, session, bank, tmp_path):
    assert run(app, *HP).exit_code == 0
    assert run(app, "orgs", "create", "--slug", "nam-dinh", "--name", "Liên minh HTX tỉnh Nam Định").exit_code == 0
    pw = ["--password", "mat-khau-123"]
    for email, role, org in (("btc.hp@example.vn", "organizer", "hai-phong"),
                             ("bgk.nd@example.vn", "judge", "nam-dinh")):
        r = run(app, "users", "create", "--email", email, *pw, "--name", "Nhân sự", "--role", role, "--org", org)
        assert r.exit_code == 0, r.output
    assert run(app, "users", "create", "--email", "btc@example.vn", *pw, "--name", "Ban tổ chức chung",
               "--role", "organizer").exit_code == 0
    # Participants and admins belong to no organization; an unknown organization is refused.
    for args in (["--role", "participant", "--org", "hai-phong"], ["--role", "admin", "--org", "hai-phong"],
                 ["--role", "judge", "--org", "khong-co"]):
        r = run(app, "users", "create", "--email", "x@example.vn", *pw, "--name", "Ai đó", *args)
        assert r.exit_code == 1, (args, r.output)
    # An organization's staff make staff and contests of their own organization only.
    r = run(app, "users", "create", "--email", "y@example.vn", *pw, "--name", "Ai đó", "--role", "judge",
            "--org", "nam-dinh", "--by", "btc.hp@example.vn")
    assert r.exit_code == 1 and "tổ chức mình" in r.output
    r = run(app, "users", "create", "--email", "z@example.vn", *pw, "--name", "Ai đó", "--role", "admin",
            "--by", "btc.hp@example.vn")
    assert r.exit_code == 1
    orgs = dict(session.execute(select(User.email, User.organization_id)).all())
    ids = dict(session.execute(select(Organization.slug, Organization.id)).all())
    session.commit()
    assert orgs == {"btc.hp@example.vn": ids["hai-phong"], "bgk.nd@example.vn": ids["nam-dinh"], "btc@example.vn": None}

    rules = tmp_path / "the-le.md"
    rules.write_text("# Thể lệ\n\nMỗi người dự thi tối đa **3 lượt**.\n", encoding="utf-8")
    r = run(app, "contests", "create", "--slug", "hp-2026", "--title", "Tìm hiểu Luật HTX 2023 – Hải Phòng",
            "--org", "hai-phong", "--rules", str(rules), "--by", "btc.hp@example.vn")
    assert r.exit_code == 0 and "organization hai-phong" in r.output, r.output
    for args in (["--org", "nam-dinh", "--by", "btc.hp@example.vn"], ["--org", "khong-co"],
                 ["--rules", str(tmp_path / "none.md")]):
        r = run(app, "contests", "create", "--slug", "khac", "--title", "Khác", *args)
        assert r.exit_code == 1, (args, r.output)
    (tmp_path / "latin1.md").write_bytes("Thể lệ".encode("utf-16"))
    r = run(app, "contests", "create", "--slug", "khac", "--title", "Khác", "--rules", str(tmp_path / "latin1.md"))
    assert r.exit_code == 1 and "UTF-8" in r.output
    contest = session.execute(select(Contest)).scalar_one()
    session.commit()
    assert contest.organization_id == ids["hai-phong"] and "**3 lượt**" in contest.rules

    # Commands that take --by act only on the contests that account may manage.
    out = tmp_path / "w.csv"
    refused = [["stats", "hp-2026"], ["winners", "hp-2026", "--out", str(out)], ["suspicious", "hp-2026"],
               ["contests", "close", "hp-2026"],
               ["rounds", "create", "hp-2026", "--number", "1", "--opens", "2026-01-01T00:00:00+07:00",
                "--closes", "2026-01-08T00:00:00+07:00"]]
    for args in refused:
        r = run(app, *args, "--by", "bgk.nd@example.vn")
        assert r.exit_code == 1 and "tổ chức khác" in r.output, (args, r.output)
    assert not out.exists() and count(session, Round) == 0
    for by in ("btc.hp@example.vn", "btc@example.vn"):
        r = run(app, "stats", "hp-2026", "--by", by)
        assert r.exit_code == 0 and "Hải Phòng" in r.output, r.output
    assert run(app, "winners", "hp-2026", "--out", str(out), "--by", "btc.hp@example.vn").exit_code == 0


def test_rules_page_logo_and_the_api(client_app, session, bank, contest_factory):
    from quiz.contest.organizations import create_organization

    org = create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng",
                              contact="0225 3 123 456", logo=png())
    contest_factory("hp", title="Cuộc thi Hải Phòng", organization_id=org.id, rules=(
        "# Điều 1. Đối tượng\n\nMọi công dân.\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[Luật](https://thuvienphapluat.vn) [xấu](javascript:alert(1))\n\n"
        "| Giải | Số giải |\n|---|---|\n| Nhất | 1 |\n"))
    contest_factory("chung", title="Cuộc thi chung")
    web = client_app.test_client()
    page = web.get("/contests/hp").get_data(as_text=True)
    assert "Liên minh HTX thành phố Hải Phòng" in page and "0225 3 123 456" in page
    assert 'href="/contests/hp/rules"' in page and f"/orgs/hai-phong/logo.png?v={org.logo_hash}" in page
    assert 'alt="Biểu trưng Liên minh HTX thành phố Hải Phòng"' in page
    assert "/rules" not in web.get("/contests/chung").get_data(as_text=True)
    assert web.get("/contests/chung/rules").status_code == 404
    assert web.get("/contests/khong-co/rules").status_code == 404

    r = web.get("/contests/hp/rules")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<h1>Thể lệ Cuộc thi Hải Phòng</h1>" in html
    assert "<h2>Điều 1. Đối tượng</h2>" in html and "<td>Nhất</td>" in html
    assert '<a href="https://thuvienphapluat.vn">Luật</a>' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html  # raw HTML shows as text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html

    logo = web.get(f"/orgs/hai-phong/logo.png?v={org.logo_hash}")
    assert logo.status_code == 200 and logo.data == png() and logo.mimetype == "image/png"
    assert web.get("/orgs/hai-phong/logo.png", headers={"If-None-Match": f'"{org.logo_hash}"'}).status_code == 304
    assert web.get("/orgs/khong-co/logo.png").status_code == 404

    listing = web.get("/").get_data(as_text=True)
    assert "Liên minh HTX thành phố Hải Phòng" in listing
    api = ApiClient(client_app)
    contests = {c["slug"]: c for c in api.get("/api/v1/contests").get_json()["contests"]}
    assert contests["hp"]["organization"] == {"slug": "hai-phong", "name": "Liên minh HTX thành phố Hải Phòng"}
    assert contests["hp"]["rules_url"] == "/contests/hp/rules"
    assert contests["chung"]["organization"] is None and "rules_url" not in contests["chung"]
    one = api.get("/api/v1/contests/hp").get_json()["contest"]
    check("Contest", one)
    check("Contest", contests["chung"])
    assert one["organization"]["slug"] == "hai-phong"


def test_organizers_edit_the_rules_in_the_contest_form(client_app, session, bank, contest_factory, user_factory):
    from tests.helpers import page_client, token

    contest_factory("thi-thu")
    user_factory(role="organizer", email="btc@example.vn")
    web = page_client(client_app, "btc@example.vn")
    form = web.get("/organizer/contests/thi-thu/edit").get_data(as_text=True)
    assert '<textarea' in form and 'name="rules"' in form and "Thể lệ cuộc thi" in form
    data = {"csrf_token": token(form), "title": "Cuộc thi thử", "opens_at": "2026-01-01T08:00",
            "closes_at": "2030-01-01T08:00", "question_count": "20", "time_limit_min": "20", "max_attempts": "3",
            "review_policy": "after_submit", "rules": "## Giải thưởng\n\n- 1 giải Nhất"}
    r = web.post("/organizer/contests/thi-thu/edit", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)
    assert "<h3>Giải thưởng</h3>" in web.get("/contests/thi-thu/rules").get_data(as_text=True)
    too_long = web.post("/organizer/contests/thi-thu/edit", data={**data, "rules": "x" * 100_001})
    assert too_long.status_code == 422 and "100.000" in too_long.get_data(as_text=True)
    assert "Giải thưởng" in web.get("/contests/thi-thu/rules").get_data(as_text=True)  # unchanged
    # Platform staff may hand the contest to an organization (one of the list, nothing else).
    from quiz.contest.organizations import create_organization
    from quiz.infra.database import reading

    org = create_organization(session, slug="nam-dinh", name="Liên minh HTX tỉnh Nam Định")
    form = web.get("/organizer/contests/thi-thu/edit").get_data(as_text=True)
    assert "Liên minh HTX tỉnh Nam Định" in form and "Nền tảng (không thuộc tổ chức nào)" in form
    bad = web.post("/organizer/contests/thi-thu/edit", data={**data, "organization": "999"})
    assert bad.status_code == 422 and "Chọn một tổ chức trong danh sách" in bad.get_data(as_text=True)
    assert web.post("/organizer/contests/thi-thu/edit", data={**data, "organization": str(org.id)}).status_code == 302
    with reading(session):
        assert session.execute(select(Contest.organization_id)).scalar_one() == org.id

"""The organizations page (/admin/organizations): admins list, create and edit organizations (name, contact, a
PNG or JPEG logo checked by decoding it); the slug stays; bad values come back as field errors with nothing
changed; every change is audited; nobody but admins gets in (quiz.roles.MANAGE_ORGANIZATIONS)."""
import io

import pytest
from PIL import Image
from sqlalchemy import select

from quiz import roles
from quiz.contest.organizations import logo_problem
from quiz.models import AuditEntry, Organization
from tests.helpers import page_client, token


def image(kind="PNG", size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 110, 60)).save(out, kind)
    return out.getvalue()


def test_logo_problem_decodes_the_image():
    assert logo_problem(image("PNG")) is None and logo_problem(image("JPEG")) is None
    jpeg = image("JPEG", (300, 300))
    assert "JPEG bị hỏng" in logo_problem(jpeg[:len(jpeg) // 2])  # cut short: only a full decode notices
    assert "PNG bị hỏng" in logo_problem(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert "không phải ảnh PNG hoặc JPEG" in logo_problem(image("GIF"))
    assert "4096" in logo_problem(image("PNG", (4097, 1)))
    assert "1 MB" in logo_problem(b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024))
    assert logo_problem(b"") == "tệp rỗng"


@pytest.fixture
def people(client_app, session, user_factory):
    from quiz.contest.organizations import create_organization

    org = create_organization(session, slug="hai-phong", name="Liên minh HTX thành phố Hải Phòng")
    for role in roles.ALL:
        user_factory(role=role, email=f"{role}@example.vn")
    for role in roles.ORGANIZATION_STAFF:
        user_factory(role=role, email=f"{role}.hp@example.vn", organization_id=org.id)
    return client_app


def post(web, path, **fields):
    form = {"csrf_token": token(web.get(path).get_data(as_text=True)), **fields}
    return web.post(path, data=form, content_type="multipart/form-data")


def organizations(session) -> dict:
    rows = session.execute(select(Organization)).scalars().all()
    found = {o.slug: (o.name, o.contact, o.logo_hash) for o in rows}
    session.commit()
    return found


def test_admin_creates_and_edits_an_organization(people, session):
    admin = page_client(people, "admin@example.vn")
    assert 'href="/admin/organizations/"' in admin.get("/").get_data(as_text=True)
    r = post(admin, "/admin/organizations/new", slug="nam-dinh", name="Liên minh HTX tỉnh Nam Định",
             contact="Số 2 Trần Hưng Đạo\n0228 3 849 999", logo=(io.BytesIO(image("PNG")), "logo.png"))
    assert r.status_code == 302, r.get_data(as_text=True)
    name, contact, logo_hash = organizations(session)["nam-dinh"]
    assert name == "Liên minh HTX tỉnh Nam Định" and contact.endswith("0228 3 849 999") and logo_hash
    listing = admin.get("/admin/organizations/").get_data(as_text=True)
    assert "Liên minh HTX tỉnh Nam Định" in listing and f"/orgs/nam-dinh/logo.png?v={logo_hash}" in listing

    # Edit: a new name and a JPEG logo; the slug posted along is ignored (fixed after creation).
    page = admin.get("/admin/organizations/nam-dinh/edit").get_data(as_text=True)
    assert 'name="slug"' not in page and "Liên minh HTX tỉnh Nam Định" in page
    r = post(admin, "/admin/organizations/nam-dinh/edit", slug="doi-ma", name="Liên minh HTX Nam Định",
             contact="0228 3 849 999", logo=(io.BytesIO(image("JPEG")), "logo.jpg"))
    assert r.status_code == 302, r.get_data(as_text=True)
    found = organizations(session)
    assert "doi-ma" not in found and found["nam-dinh"][:2] == ("Liên minh HTX Nam Định", "0228 3 849 999")
    jpeg_hash = found["nam-dinh"][2]
    assert jpeg_hash != logo_hash
    served = admin.get(f"/orgs/nam-dinh/logo.png?v={jpeg_hash}")
    assert served.mimetype == "image/jpeg" and served.data == image("JPEG")
    # Saving without a file keeps the logo; "remove" drops it.
    assert post(admin, "/admin/organizations/nam-dinh/edit", name="Liên minh HTX Nam Định",
                contact="0228 3 849 999").status_code == 302
    assert organizations(session)["nam-dinh"] == ("Liên minh HTX Nam Định", "0228 3 849 999", jpeg_hash)
    assert post(admin, "/admin/organizations/nam-dinh/edit", name="Liên minh HTX Nam Định",
                remove_logo="y").status_code == 302
    assert organizations(session)["nam-dinh"][2] is None
    assert admin.get("/admin/organizations/khong-co/edit").status_code == 404

    entries = session.execute(select(AuditEntry.action, AuditEntry.actor_email, AuditEntry.target_id)
                              .where(AuditEntry.action.like("org.%")).order_by(AuditEntry.id)).all()
    session.commit()
    assert [tuple(e) for e in entries] == [("org.create", "admin@example.vn", "nam-dinh")] + \
        [("org.edit", "admin@example.vn", "nam-dinh")] * 2  # the save that changed nothing: no entry


def test_bad_values_are_field_errors_and_change_nothing(people, session):
    admin = page_client(people, "admin@example.vn")
    before = organizations(session)
    jpeg = image("JPEG", (200, 200))
    cases = [
        ({"slug": "Nam Định", "name": "X"}, ["chữ thường không dấu", "từ 2 đến 200 ký tự"]),
        ({"slug": "hai-phong", "name": "Tên khác"}, ["đã được dùng"]),
        ({"slug": "nam-dinh", "name": "Liên minh HTX tỉnh Nam Định",
          "logo": (io.BytesIO(jpeg[:len(jpeg) // 2]), "logo.jpg")}, ["JPEG bị hỏng"]),
        ({"slug": "nam-dinh", "name": "Liên minh HTX tỉnh Nam Định",
          "logo": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 5)), "big.png")}, ["1 MB"]),
        ({"slug": "nam-dinh", "name": "Liên minh HTX tỉnh Nam Định",
          "logo": (io.BytesIO(image("GIF")), "logo.gif")}, ["Chỉ nhận ảnh .png, .jpg, .jpeg."]),
        ({"slug": "nam-dinh", "name": "Liên minh HTX tỉnh Nam Định", "contact": "x" * 2001}, ["tối đa 2000 ký tự"]),
    ]
    for fields, messages in cases:
        r = post(admin, "/admin/organizations/new", **fields)
        html = r.get_data(as_text=True)
        assert r.status_code == 422, (fields.get("slug"), r.status_code)
        assert 'aria-invalid="true"' in html and 'role="alert"' in html
        for message in messages:
            assert message in html, (message, fields.get("slug"))
    r = post(admin, "/admin/organizations/hai-phong/edit", name="", logo=(io.BytesIO(b"GIF89a"), "logo.png"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "từ 2 đến 200 ký tự" in html and "không phải ảnh PNG hoặc JPEG" in html
    assert organizations(session) == before
    assert not session.execute(select(AuditEntry).where(AuditEntry.action.like("org.%"))).first()
    session.commit()


def test_only_admins_get_in(people):
    paths = ["/admin/organizations/", "/admin/organizations/new", "/admin/organizations/hai-phong/edit"]
    for who in ["participant", "organizer", "judge", "organizer.hp", "judge.hp"]:
        web = page_client(people, f"{who}@example.vn")
        assert 'href="/admin/organizations/"' not in web.get("/").get_data(as_text=True)
        for path in paths:
            assert web.get(path).status_code == 403, (who, path)
        csrf = token(web.get("/").get_data(as_text=True))
        r = web.post("/admin/organizations/hai-phong/edit", data={"csrf_token": csrf, "name": "Chiếm quyền"})
        assert r.status_code == 403 and "Chiếm quyền" not in r.get_data(as_text=True)
    anonymous = page_client(people)
    assert all("/login" in anonymous.get(p).headers["Location"] for p in paths)

"""Organizations in Debian's Chromium at phone size (360 px): the organization's name and logo on the contest list
and the contest page, the rules page (Markdown rendered, raw HTML shown as text and never run), and the admins'
organizations page; nothing scrolls sideways and the text stays readable."""
import io

import pytest
from PIL import Image

from tests.chromium import PHONE
from tests.helpers import LiveServer, browser_login

pytestmark = pytest.mark.browser

LONG_NAME = "Liên minh Hợp tác xã thành phố Hải Phòng – Văn phòng đại diện khu vực Thủy Nguyên và Cát Hải"
RULES = ("# Điều 1. Đối tượng dự thi\n\nMọi công dân Việt Nam từ đủ 15 tuổi, **không** phân biệt nơi cư trú.\n\n"
         "<script>window.pwned = 1</script>\n\n<img src=x onerror=\"window.pwned = 2\">\n\n"
         "| Giải | Số giải | Giá trị mỗi giải (đồng) | Ghi chú |\n|---|---|---|---|\n"
         "| Nhất | 1 | 5.000.000 | kèm giấy chứng nhận của Liên minh Hợp tác xã thành phố |\n\n"
         "Địa chỉ: https://lienminhhtx.haiphong.gov.vn/the-le-cuoc-thi-tim-hieu-luat-hop-tac-xa-2023-dot-mot\n")


def logo(size=(400, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 110, 60)).save(out, "PNG")
    return out.getvalue()


def fits_the_phone(page) -> None:
    """No sideways scrolling; the main text at a readable size; every heading inside the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('main')).fontSize)") >= 14
    for box in page.locator("main h1, main h2").evaluate_all("els => els.map(e => e.getBoundingClientRect().right)"):
        assert box <= PHONE["width"], page.url


def logo_shown(page) -> None:
    img = page.locator("main .organization img").first
    assert img.get_attribute("alt").startswith("Biểu trưng")
    assert img.evaluate("i => i.complete && i.naturalWidth") > 0  # the image was served and decoded
    assert img.bounding_box()["width"] <= 48


def test_organization_contests_and_rules_at_phone_size(page, app, database_url, session, bank, contest_factory):
    from quiz.contest.organizations import create_organization

    org = create_organization(session, slug="hai-phong", name=LONG_NAME, logo=logo(),
                              contact="Số 1 đường Lạch Tray, quận Ngô Quyền, thành phố Hải Phòng · 0225 3 123 456")
    contest_factory("hp", title="Cuộc thi tìm hiểu Luật Hợp tác xã năm 2023 của thành phố Hải Phòng",
                    organization_id=org.id, rules=RULES)
    server = LiveServer(database_url)
    try:
        page.goto(server.url + "/")
        assert LONG_NAME in page.locator("main").inner_text()
        logo_shown(page)
        fits_the_phone(page)

        page.goto(server.url + "/contests/hp")
        assert "0225 3 123 456" in page.locator("main .organization").inner_text()
        logo_shown(page)
        fits_the_phone(page)

        page.get_by_role("link", name="Thể lệ cuộc thi").click()
        page.wait_for_url(server.url + "/contests/hp/rules")
        rules = page.locator("article.rules")
        assert page.get_by_role("heading", name="Điều 1. Đối tượng dự thi").is_visible()
        assert rules.locator("strong").inner_text() == "không" and rules.locator("table td").count() == 4
        text = rules.inner_text()
        assert "<script>window.pwned = 1</script>" in text and "<img src=x" in text  # shown as text
        assert page.evaluate("window.pwned") is None and rules.locator("script, img").count() == 0  # never run
        logo_shown(page)
        fits_the_phone(page)
    finally:
        server.stop()


def test_organizations_page_at_phone_size(page, app, database_url, session, user_factory, tmp_path):
    from quiz.contest.organizations import create_organization

    create_organization(session, slug="hai-phong", name=LONG_NAME, logo=logo(), contact="0225 3 123 456")
    user_factory(role="admin", email="admin@example.vn", full_name="Quản trị viên")
    (tmp_path / "logo.png").write_bytes(logo((64, 64)))
    (tmp_path / "not-an-image.png").write_bytes(b"\x89PNG\r\n\x1a\nkhong phai anh")
    server = LiveServer(database_url)
    try:
        browser_login(page, server.url, "admin@example.vn")
        page.wait_for_url(lambda url: "/login" not in url)
        page.get_by_role("link", name="Tổ chức").click()
        page.wait_for_url(server.url + "/admin/organizations/")
        assert page.get_by_role("heading", name=LONG_NAME).is_visible()
        logo_shown(page)
        fits_the_phone(page)

        page.get_by_role("link", name="Thêm tổ chức").click()
        page.get_by_label("Mã tổ chức").fill("nam-dinh")
        page.get_by_label("Tên tổ chức").fill("Liên minh HTX tỉnh Nam Định")
        page.get_by_label("Biểu trưng").set_input_files(str(tmp_path / "not-an-image.png"))
        page.get_by_role("button", name="Tạo tổ chức").click()
        assert page.get_by_role("alert").is_visible()
        logo_field = page.get_by_label("Biểu trưng")
        assert logo_field.get_attribute("aria-invalid") == "true"
        assert "PNG bị hỏng" in page.locator("label.has-error").inner_text()
        assert page.get_by_label("Tên tổ chức").input_value() == "Liên minh HTX tỉnh Nam Định"  # kept
        fits_the_phone(page)

        logo_field.set_input_files(str(tmp_path / "logo.png"))
        page.get_by_role("button", name="Tạo tổ chức").click()
        page.wait_for_url(server.url + "/admin/organizations/")
        assert "Đã tạo tổ chức Liên minh HTX tỉnh Nam Định." in page.get_by_role("status").inner_text()
        assert page.locator('[data-slug="nam-dinh"] img').evaluate("i => i.complete && i.naturalWidth") > 0
        fits_the_phone(page)
    finally:
        server.stop()

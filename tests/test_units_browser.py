"""Enrollment in Debian's Chromium at phone size: a participant of a contest whose organization has a unit
directory finds their unit by typing without diacritics, picks it with the keyboard, then starts the attempt."""

import pytest

from tests.chromium import PHONE
from tests.helpers import LiveServer, browser_login

pytestmark = pytest.mark.browser


def test_pick_a_unit_typing_without_diacritics_then_start(page, app, database_url, session, bank, contest_factory,
                                                          user_factory):
    from sqlalchemy import select

    from quiz.contest.organizations import create_organization
    from quiz.contest.units import UnitRow, import_units
    from quiz.models import Attempt, Enrollment, Unit

    org = create_organization(session, slug="nam-dinh", name="Liên minh HTX tỉnh Nam Định")
    import_units(session, org, [UnitRow("HTX-TT", "HTX Nông nghiệp Thắng Thủy", None, 80),
                                UnitRow("HTX-TP", "HTX Tân Phú", None, None),
                                UnitRow("HTX-TH", "HTX Thắng Hùng", None, None)])
    contest_factory("nd", organization_id=org.id, question_count=4, blueprint="1-12:4")
    user_factory(email="hoa@example.vn", full_name="Lê Thị Hoa", unit="htx thang thuy")
    server = LiveServer(database_url)
    try:
        base = server.url
        browser_login(page, base, "hoa@example.vn", "mat-khau-123")
        page.goto(base + "/contests/nd")
        assert "chưa chọn" in page.inner_text("#my-unit")
        page.click("#choose-unit")
        page.fill("#unit-q", "thang thuy")
        page.keyboard.press("Enter")
        page.wait_for_selector("#enroll-form")
        radios = page.get_by_role("radio")
        assert radios.count() == 1
        assert page.get_by_role("radio", name="HTX Nông nghiệp Thắng Thủy (mã HTX-TT)").is_checked()
        assert page.get_by_role("group").inner_text().startswith("1 đơn vị khớp")
        # Nothing overflows the phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Chọn đơn vị này").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(base + "/contests/nd")
        assert "HTX Nông nghiệp Thắng Thủy" in page.inner_text("#my-unit")
        page.get_by_role("button", name="Bắt đầu lượt thi thứ 1").click()
        page.wait_for_url(lambda url: "/attempts/" in url)
        page.wait_for_selector(".question, fieldset")
    finally:
        server.stop()
    code = session.execute(select(Unit.code).join(Enrollment, Enrollment.unit_id == Unit.id)).scalar_one()
    assert code == "HTX-TT" and session.execute(select(Attempt)).scalars().one()
    session.commit()

"""Organizer bank pages: roles, search with and without diacritics, edit as versions, upload, export."""
import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from quiz.bank.check import bank_files
from quiz.bank.question_files import parse_questions
from quiz.bank.questions import import_questions
from quiz.models import Question, QuestionVersion
from tests.helpers import page_client, token, upload


@pytest.fixture
def real_bank(session):
    import_questions(session, [q for f in bank_files() for q in parse_questions(f)])
    session.commit()


@pytest.fixture
def organizer(client_app, user_factory):
    user_factory(role="organizer", email="btc@example.vn")
    return page_client(client_app, "btc@example.vn")


def test_roles(client_app, user_factory):
    anon = client_app.test_client()
    r = anon.get("/organizer/questions")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    for role in ("participant", "judge"):
        user_factory(role=role, email=f"{role}@example.vn")
        c = page_client(client_app, f"{role}@example.vn")
        for path in ("/organizer/questions", "/organizer/questions/upload", "/organizer/questions/export?format=csv",
                     "/organizer/contests", "/organizer/contests/new", "/organizer/contests/thi-thu/edit",
                     "/organizer/contests/thi-thu/rounds"):
            r = c.get(path)
            assert r.status_code == 403 and "Bạn không có quyền" in r.get_data(as_text=True)
        assert c.post("/organizer/questions/HTX23-0101/active", data={"active": "0"}).status_code in (400, 403)


def codes(html):
    import re

    return re.findall(r'data-code="([^"]+)"', html)


def test_search_with_and_without_diacritics_and_filters(organizer, real_bank):
    with_marks = organizer.get("/organizer/questions?q=Hội đồng quản trị").get_data(as_text=True)
    without = organizer.get("/organizer/questions?q=hoi dong quan tri").get_data(as_text=True)
    assert codes(with_marks) and codes(with_marks) == codes(without)
    ch4 = organizer.get("/organizer/questions?chapter=4").get_data(as_text=True)
    assert codes(ch4) and all(c.startswith("HTX23-04") for c in codes(ch4))
    art8 = organizer.get("/organizer/questions?article=Điều 8").get_data(as_text=True)
    assert codes(art8) and "Điều 80" not in art8 and "Điều 8" in art8
    assert "Không có câu hỏi nào phù hợp." in organizer.get("/organizer/questions?q=zzzqqq").get_data(as_text=True)


def test_edit_makes_a_version_and_deactivate(organizer, session, real_bank):
    page = organizer.get("/organizer/questions/HTX23-0101/edit").get_data(as_text=True)
    assert "Sửa câu HTX23-0101" in page
    v1 = session.execute(select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
                         .where(Question.code == "HTX23-0101")).scalar_one()
    session.commit()
    form = {"csrf_token": token(page), "chapter": "1", "article": v1.article, "text": v1.text + " (đã sửa)",
            "correct": "ABCDEF"[v1.correct], "explanation": v1.explanation, "source_quote": v1.source_quote}
    form.update({f"option_{c}": o for c, o in zip("abcdef", v1.options, strict=False)})
    r = organizer.post("/organizer/questions/HTX23-0101/edit", data=form, follow_redirects=True)
    assert "Đã lưu phiên bản mới" in r.get_data(as_text=True)
    versions = session.execute(select(QuestionVersion.version, QuestionVersion.text)
                               .join(Question, Question.id == QuestionVersion.question_id)
                               .where(Question.code == "HTX23-0101").order_by(QuestionVersion.version)).all()
    session.commit()
    assert [v for v, _t in versions] == [1, 2] and versions[1][1].endswith("(đã sửa)")
    bad = dict(form, option_b="", option_c="x", correct="B")
    r = organizer.post("/organizer/questions/HTX23-0101/edit", data=bad)
    assert r.status_code == 422 and "để trống" in r.get_data(as_text=True)
    listing = organizer.get("/organizer/questions").get_data(as_text=True)
    r = organizer.post("/organizer/questions/HTX23-0101/active", data={"csrf_token": token(listing), "active": "0"},
                       follow_redirects=True)
    assert "Đã ngừng dùng câu HTX23-0101" in r.get_data(as_text=True)
    assert session.execute(select(Question.active).where(Question.code == "HTX23-0101")).scalar_one() is False
    session.commit()
    inactive = organizer.get("/organizer/questions?status=inactive").get_data(as_text=True)
    assert codes(inactive) == ["HTX23-0101"]


def test_upload_shows_row_errors_and_imports_nothing(organizer, session):
    bad = ("code,chapter,article,question,option_a,option_b,correct,explanation\n"
           "A-1,1,Điều 4,Câu một?,x,y,A,Vì.\nA-2,13,Điều 4,,x,,Z,\n").encode()
    r = upload(organizer, "bad.csv", bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "chưa nhập câu nào" in html and "bad.csv:3:" in html
    assert session.execute(select(Question)).first() is None
    session.commit()
    good = bad.split(b"\n")[0] + b"\n" + bad.split(b"\n")[1] + b"\n"
    r = upload(organizer, "good.csv", good)
    assert "Đã nhập 1 câu hỏi: 1 câu mới" in r.get_data(as_text=True)


def test_upload_gift_and_aiken(organizer, session):
    gift = ("// Moodle export\n$CATEGORY: law\n\n::G-1:: Hợp tác xã có ít nhất bao nhiêu thành viên? "
            "{=05 ~03 ~07 ####Khoản 7 Điều 4.}\n\n::G-2:: Đúng hay sai? {T}\n").encode()
    r = upload(organizer, "q.gift", gift, chapter="1", article="khoản 7 Điều 4")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "q.gift:6: câu đúng/sai không được hỗ trợ (chỉ nhận câu trắc nghiệm)" in html
    r = upload(organizer, "q.gift", gift.split(b"\n\n::G-2")[0] + b"\n", chapter="1", article="khoản 7 Điều 4")
    assert "1 câu mới" in r.get_data(as_text=True)
    aiken = "Câu hỏi Aiken?\nA. Một\nB. Hai\nANSWER: B\n".encode()
    r = upload(organizer, "a.txt", aiken, kind="aiken")
    assert r.status_code == 422 and "chọn chương" in r.get_data(as_text=True)
    r = upload(organizer, "a.txt", aiken, kind="aiken", chapter="2", article="Điều 17")
    assert "1 câu mới" in r.get_data(as_text=True)
    v = session.execute(select(QuestionVersion).where(QuestionVersion.text == "Câu hỏi Aiken?")).scalar_one()
    assert (v.chapter, v.options, v.correct) == (2, ["Một", "Hai"], 1)
    session.commit()


def test_upload_errors_keep_file_names_and_cells_as_they_are(organizer, session):
    """The page words each problem in Vietnamese; the file's name and cells are shown exactly as they are."""
    bad = ("code,chapter,article,question,option_a,option_b,correct,explanation\n"
           "code chapter 1,chapter 2,Điều 4,Câu hỏi?,x,y,code A,Vì.\n").encode()
    r = upload(organizer, "code chapter list.csv", bad)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "code chapter list.csv:2: mã &#39;code chapter 1&#39; chỉ được gồm chữ cái" in html
    assert "code chapter list.csv:2: cột chapter phải là số từ 1 đến 12, nhận được &#39;chapter 2&#39;" in html
    assert "code chapter list.csv:2: cột correct phải là một chữ cái A..F, nhận được &#39;code A&#39;" in html
    assert "mã chương" not in html and "mã A" not in html
    assert session.execute(select(Question)).first() is None
    session.commit()


def test_export_filtered(organizer, real_bank):
    r = organizer.get("/organizer/questions/export?format=csv&chapter=12")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0][0] == "code" and len(rows) > 1 and all(row[1] == "12" for row in rows[1:])
    r = organizer.get("/organizer/questions/export?format=xlsx&q=giai the")
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    values = list(sheet.values)
    assert values[0][0] == "code" and len(values) > 1
    assert organizer.get("/organizer/questions/export?format=pdf").status_code == 400


def test_create_contest_with_blueprint_on_the_page(organizer, session, real_bank):
    from quiz.models import Contest

    page = organizer.get("/organizer/contests/new").get_data(as_text=True)
    form = {"csrf_token": token(page), "slug": "tuan-2", "title": "Tuần 2", "opens_at": "2026-12-01T08:00",
            "closes_at": "2026-12-08T08:00", "time_limit_min": "15", "max_attempts": "2",
            "review_policy": "after_close", "blueprint": "1:9"}
    r = organizer.post("/organizer/contests/new", data=dict(form, blueprint="1:100"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "chương 1 cần 100 câu" in html
    r = organizer.post("/organizer/contests/new", data=dict(form, blueprint="1:2,2:2,1:1"))
    assert r.status_code == 422 and "đã có ở phần trước" in r.get_data(as_text=True)
    r = organizer.post("/organizer/contests/new", data=dict(form, closes_at="2026-11-30T08:00"))
    assert r.status_code == 422 and "phải sau thời điểm mở" in r.get_data(as_text=True)
    assert session.execute(select(Contest)).first() is None
    session.commit()
    r = organizer.post("/organizer/contests/new", data=dict(form, blueprint="1:4,4:4,6:4,8-12:3"),
                       follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Đã tạo cuộc thi Tuần 2" in html and "1:4,4:4,6:4,8-12:3" in html
    c = session.execute(select(Contest)).scalar_one()
    session.commit()
    assert (c.question_count, c.time_limit_s, c.max_attempts) == (15, 900, 2)
    assert c.opens_at.isoformat() == "2026-12-01T01:00:00+00:00"  # 08:00 in Viet Nam


def test_edit_close_and_rounds_on_the_pages(organizer, session, real_bank):
    from datetime import timedelta

    from quiz.contest.contests import create_contest
    from quiz.models import Contest, Round, utcnow

    now = utcnow()
    create_contest(session, slug="tuan", title="Tuần", opens_at=now - timedelta(days=1),
                   closes_at=now + timedelta(days=20))
    page = organizer.get("/organizer/contests/tuan/edit").get_data(as_text=True)
    assert 'value="Tuần"' in page and 'value="20"' in page
    form = {"csrf_token": token(page), "title": "Tuần (sửa)", "opens_at": "2026-11-01T08:00",
            "closes_at": "2027-01-01T08:00", "time_limit_min": "10", "max_attempts": "4", "review_policy": "never",
            "blueprint": "", "prize_tiers": "1:Giải Nhất,3:Khuyến khích"}
    r = organizer.post("/organizer/contests/tuan/edit", data=dict(form, prize_tiers="Nhất"))
    assert r.status_code == 422 and "không đúng dạng" in r.get_data(as_text=True)
    r = organizer.post("/organizer/contests/tuan/edit", data=form, follow_redirects=True)
    assert "Đã lưu cuộc thi Tuần (sửa)" in r.get_data(as_text=True)
    c = session.execute(select(Contest).where(Contest.slug == "tuan")).scalar_one()
    assert (c.time_limit_s, c.max_attempts, c.review_policy, c.prize_tiers) == (600, 4, "never",
                                                                               [[1, "Giải Nhất"], [3, "Khuyến khích"]])
    session.commit()
    rounds_page = organizer.get("/organizer/contests/tuan/rounds").get_data(as_text=True)
    assert "chưa chia vòng" in rounds_page
    rform = {"csrf_token": token(rounds_page), "number": "1", "title": "Tuần 1", "opens_at": "2026-11-01T08:00",
             "closes_at": "2026-11-30T08:00", "max_attempts": "1", "prize_tiers": "1:Giải tuần"}
    r = organizer.post("/organizer/contests/tuan/rounds", data=rform, follow_redirects=True)
    assert "Đã thêm vòng 1." in r.get_data(as_text=True) and 'data-round="1"' in r.get_data(as_text=True)
    r = organizer.post("/organizer/contests/tuan/rounds", data=dict(rform, number="2"))
    assert r.status_code == 422 and "trùng thời gian với vòng 1" in r.get_data(as_text=True)
    edit = organizer.get("/organizer/contests/tuan/edit").get_data(as_text=True)
    r = organizer.post("/organizer/contests/tuan/close", data={"csrf_token": token(edit)}, follow_redirects=True)
    assert "Đã đóng cuộc thi" in r.get_data(as_text=True)
    session.expire_all()  # the page changed it in another session
    c = session.execute(select(Contest).where(Contest.slug == "tuan")).scalar_one()
    assert c.status_at(utcnow()) == "closed"
    assert session.execute(select(Round.closes_at).where(Round.contest_id == c.id)).scalar_one() <= utcnow()
    session.commit()
    r = organizer.post("/organizer/contests/tuan/close", data={"csrf_token": token(edit)}, follow_redirects=True)
    assert "Chỉ đóng sớm được cuộc thi đang mở." in r.get_data(as_text=True)

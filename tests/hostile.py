"""Markup and formulas in what people type (a pytest plugin registered in conftest.py): the texts, and the
``hostile`` fixture that puts them in the bank, a contest and people's names."""
import pytest

NAME = "=Lê <script>alert(1)</script> Hoa"
UNIT = '+HTX "><img src=x onerror=alert(2)>'
LOCALITY = "-Tỉnh <script>alert('l')</script>"
TITLE = '=Cuộc thi "><img src=x onerror=alert(3)>'
STEM = "=Câu hỏi <script>alert(4)</script> là gì?"
OPTIONS = ['+A "><img src=x onerror=alert(5)>', "-B <script>alert(6)</script>", "@C <b>đậm</b>", "D thường"]
EXPLANATION = '@Giải thích "><img src=x onerror=alert(7)>'
ARTICLE = "-Điều 8 <script>alert(8)</script>"
RAW_MARKUP = ("<script>alert", "<img src=x", "<b>đậm</b>")


@pytest.fixture
def hostile(session, contest_factory, user_factory):
    """A bank of one hostile question and three plain ones, a contest drawing all four, hostile people."""
    from quiz.bank.question_files import ParsedQuestion
    from quiz.bank.questions import import_questions

    questions = [ParsedQuestion("XSS-1", 1, ARTICLE, STEM, OPTIONS, 0, EXPLANATION, "")]
    questions += [ParsedQuestion(f"T-{i}", 1, "Điều 1", f"Câu thường {i}?", ["Có", "Không"], 0, "Vì vậy.", "")
                  for i in range(3)]
    import_questions(session, questions)
    contest_factory("thi-thu", title=TITLE, description=f"Mô tả {UNIT}", question_count=4, blueprint="1-12:4",
                    prize_tiers="1:=Giải <script>alert(9)</script>")
    lan = user_factory(email="lan@example.vn", full_name=NAME, unit=UNIT, locality=LOCALITY)
    lan.phone = "+84 24 3825 1234"  # an old free-text phone (a landline: the migration left it as it was)
    session.commit()
    user_factory(role="organizer", email="-btc@example.vn", full_name=NAME)
    user_factory(role="admin", email="qtv@example.vn")

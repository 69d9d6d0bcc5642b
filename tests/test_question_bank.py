"""The shipped bank is proven against the law's text; the checker itself catches what it should."""
from quiz.bank.check import bank_files, chapter_counts, check_bank, duplicate_problems, law_problems
from quiz.bank.law import articles, cited_article, normalise
from quiz.bank.question_files import ParsedQuestion

# Minimum questions per chapter (about in proportion to its articles).
MINIMUM = {1: 42, 2: 34, 3: 21, 4: 47, 5: 44, 6: 50, 7: 34, 8: 6, 9: 8, 10: 6, 11: 6, 12: 6}


def test_law_text_has_115_articles_in_12_chapters():
    law = articles()
    assert sorted(law) == list(range(1, 116))
    assert {a.chapter for a in law.values()} == set(range(1, 13))
    assert law[1].chapter == 1 and law[17].chapter == 2 and law[115].chapter == 12
    assert "ít nhất 05 thành viên chính thức" in law[4].text


def test_every_question_is_proven_by_its_article():
    questions, problems = check_bank(bank_files())
    assert problems == []
    counts = chapter_counts(questions)
    assert all(counts.get(ch, 0) >= n for ch, n in MINIMUM.items()), counts
    assert len(questions) >= 300
    for q in questions:
        assert len(q.options) >= 2 and 0 <= q.correct < len(q.options)
        assert cited_article(q.article) is not None and q.explanation


def test_checker_rejects_wrong_chapter_missing_quote_and_foreign_quote():
    base = dict(code="X-1", chapter=1, article="khoản 7 Điều 4", text="Hỏi?", options=["a", "b"], correct=0,
                explanation="Vì.", source_quote="do ít nhất 05 thành viên chính thức")
    assert law_problems(ParsedQuestion(**base), "f:2") == []
    assert law_problems(ParsedQuestion(**{**base, "source_quote": "  do ít nhất\n05 thành viên  chính thức "}),
                        "f:2") == []  # whitespace is normalised
    assert "chapter" in law_problems(ParsedQuestion(**{**base, "chapter": 2}), "f:2")[0]
    assert "empty" in law_problems(ParsedQuestion(**{**base, "source_quote": ""}), "f:2")[0]
    assert "not in the text" in law_problems(ParsedQuestion(**{**base, "article": "Điều 5"}), "f:2")[-1]
    assert "not an article" in law_problems(ParsedQuestion(**{**base, "article": "Điều 116"}), "f:2")[0]


def test_checker_rejects_duplicates():
    a = ParsedQuestion("A", 1, "Điều 4", "Hợp tác xã có ít nhất bao nhiêu thành viên?", ["05", "07"], 0, "x", "")
    b = ParsedQuestion("B", 1, "Điều 4", "hợp tác xã  có ít nhất bao nhiêu thành viên?", ["03", "05"], 1, "x", "")
    c = ParsedQuestion("C", 1, "Điều 4", "Hợp tác xã có ít nhất bao nhiêu thành viên chính thức?", ["05", "09"], 0,
                       "x", "")
    problems = duplicate_problems([a, b, c])
    assert any("stem" in p for p in problems) and any("same answer" in p for p in problems)


def test_normalise_is_nfc_and_whitespace():
    decomposed = "Hợp tác xã".encode().decode()  # already NFC
    import unicodedata

    assert normalise(unicodedata.normalize("NFD", decomposed) + "\n\t x") == "Hợp tác xã x"

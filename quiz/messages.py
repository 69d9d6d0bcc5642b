"""What is wrong with an organizer's file, as values, and the one place that words them.

The readers of question files (.csv, .xlsx, GIFT, Aiken) and of results files
report each problem as a ``Problem``: the file, the row (or line), a code and
its parameters, nothing worded. ``text`` turns one into ``FILE:ROW: what is
wrong`` in a language: English for the command line (the wording docs/api.md's
``FILE:ROW:`` errors and the tests know), Vietnamese for the organizer pages.
Parameters are data from the file (names, cell text) and are put in as they
are, never translated or rewritten.
"""
from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Problem:
    """One problem: ``file`` ("" when not about a file), ``row`` (0 when about the whole file), ``code``, ``params``."""

    file: str
    row: int
    code: str
    params: dict = field(default_factory=dict, hash=False)

    def key(self) -> tuple:
        """A hashable identity (file, row, code, params) for removing repeats."""
        return self.file, self.row, self.code, tuple(sorted(self.params.items()))


TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        # Reading a file at all
        "no_such_file": "no such file",
        "not_utf8": "not UTF-8 text (byte {byte})",
        "not_xlsx": "not a readable .xlsx file ({reason})",
        "not_csv": "not a readable CSV file ({reason})",
        "unsupported_type": "unsupported file type {suffix}; use .csv or .xlsx",
        "file_empty": "the file is empty",
        "missing_columns": "missing column(s): {columns}",
        "no_questions": "no questions in the file",
        "no_rows": "no rows to import",
        # A question row (question files, GIFT, Aiken, the edit form)
        "empty": "{column} is empty",
        "code_invalid": "code {code!r} may only use letters, digits, '-', '_', '.' (at most {max})",
        "code_repeats": "code {code} repeats row {first}",
        "code_in_several_rows": "code {code} appears in more than one row",
        "chapter_range": "chapter must be a number 1..12, got {value!r}",
        "option_gap": "{column} is empty but a later option is filled",
        "options_too_few": "at least 2 options (option_a, option_b) are needed",
        "options_same": "two options have the same text",
        "correct_letter": "correct must be one letter A..F, got {value!r}",
        "correct_empty_option": "correct is {letter} but {column} is empty",
        "too_long": "{column} is longer than {max} characters",
        # GIFT and Aiken
        "needs_chapter_article": "GIFT/Aiken files carry no chapter or article: choose the chapter and enter the "
                                 "article",
        "gift_no_answer_block": "no answer block {{...}} (a description, not a question)",
        "gift_essay": "An essay question is not supported (only multiple choice)",
        "gift_true_false": "A true/false question is not supported (only multiple choice)",
        "gift_numerical": "A numerical question is not supported (only multiple choice)",
        "gift_matching": "A matching question is not supported (only multiple choice)",
        "gift_short_answer": "A short-answer question is not supported (only multiple choice)",
        "gift_partial_credit": "partial-credit answers are not supported",
        "gift_right_answers": "needs exactly one right answer, found {found}",
        "aiken_after_answer": "text after the ANSWER line",
        "aiken_option_order": "option {letter} is out of order",
        "aiken_stray_line": "line {line}: not an option or ANSWER line: {text!r}",
        "aiken_no_answer": "no 'ANSWER: X' line (only multiple-choice questions can be imported)",
        # A results row
        "email_invalid": "email {value!r} is not an email address",
        "full_name_length": "full_name must be 1 to 120 characters",
        "unit_locality_length": "unit (200) or locality (120) is too long",
        "score_range": "score must be a whole number 0..{total}, got {value!r}",
        "duration_range": "duration_s must be 0..{limit} seconds, got {value!r}",
        "submitted_at_format": "submitted_at must be ISO 8601 with a UTC offset, got {value!r}",
        "submitted_at_window": "submitted_at is outside the contest's window",
        "submitted_at_no_round": "submitted_at is in no round",
        "submitted_at_round": "submitted_at is outside round {round}",
        "prediction_invalid": "prediction must be a whole number or empty, got {value!r}",
        # A unit directory row; a results row's unit against the directory
        "unit_name_length": "name must be 1 to 200 characters",
        "ward_unknown": "locality_code {value!r} is not an official ward code",
        "headcount_invalid": "headcount must be a whole number 0 or more, or empty, got {value!r}",
        "unit_unknown": "unit {value!r} is neither a code nor a name in the organization's unit directory",
    },
    "vi": {
        "no_such_file": "không có tệp này",
        "not_utf8": "tệp không phải văn bản UTF-8 (byte {byte})",
        "not_xlsx": "không đọc được tệp .xlsx ({reason})",
        "not_csv": "không đọc được tệp CSV ({reason})",
        "unsupported_type": "loại tệp {suffix} không được hỗ trợ; hãy dùng .csv hoặc .xlsx",
        "file_empty": "tệp rỗng",
        "missing_columns": "thiếu cột: {columns}",
        "no_questions": "tệp không có câu hỏi nào",
        "no_rows": "tệp không có dòng nào để nhập",
        "empty": "cột {column} đang để trống",
        "code_invalid": "mã {code!r} chỉ được gồm chữ cái, chữ số, '-', '_', '.' (tối đa {max} ký tự)",
        "code_repeats": "mã {code} trùng với dòng {first}",
        "code_in_several_rows": "mã {code} xuất hiện ở nhiều dòng",
        "chapter_range": "cột chapter phải là số từ 1 đến 12, nhận được {value!r}",
        "option_gap": "cột {column} để trống nhưng phương án sau lại có nội dung",
        "options_too_few": "cần ít nhất 2 phương án (option_a, option_b)",
        "options_same": "có hai phương án giống nhau",
        "correct_letter": "cột correct phải là một chữ cái A..F, nhận được {value!r}",
        "correct_empty_option": "đáp án là {letter} nhưng cột {column} đang để trống",
        "too_long": "cột {column} dài quá {max} ký tự",
        "needs_chapter_article": "Tệp GIFT/Aiken không ghi chương và điều: hãy chọn chương và nhập điều.",
        "gift_no_answer_block": "không có khối đáp án {{...}} (đây là đoạn mô tả, không phải câu hỏi)",
        "gift_essay": "câu tự luận không được hỗ trợ (chỉ nhận câu trắc nghiệm)",
        "gift_true_false": "câu đúng/sai không được hỗ trợ (chỉ nhận câu trắc nghiệm)",
        "gift_numerical": "câu trả lời bằng số không được hỗ trợ (chỉ nhận câu trắc nghiệm)",
        "gift_matching": "câu ghép đôi không được hỗ trợ (chỉ nhận câu trắc nghiệm)",
        "gift_short_answer": "câu trả lời ngắn không được hỗ trợ (chỉ nhận câu trắc nghiệm)",
        "gift_partial_credit": "không hỗ trợ đáp án được điểm một phần",
        "gift_right_answers": "cần đúng một đáp án đúng, tìm thấy {found}",
        "aiken_after_answer": "có nội dung sau dòng ANSWER",
        "aiken_option_order": "phương án {letter} sai thứ tự",
        "aiken_stray_line": "dòng {line}: không phải phương án hay dòng ANSWER: {text!r}",
        "aiken_no_answer": "không có dòng 'ANSWER: X' (chỉ nhập được câu trắc nghiệm)",
        "email_invalid": "email {value!r} không phải địa chỉ email",
        "full_name_length": "full_name phải dài từ 1 đến 120 ký tự",
        "unit_locality_length": "unit (200 ký tự) hoặc locality (120 ký tự) quá dài",
        "score_range": "score phải là số nguyên từ 0 đến {total}, nhận được {value!r}",
        "duration_range": "duration_s phải từ 0 đến {limit} giây, nhận được {value!r}",
        "submitted_at_format": "submitted_at phải theo ISO 8601 có múi giờ, nhận được {value!r}",
        "submitted_at_window": "submitted_at nằm ngoài thời gian của cuộc thi",
        "submitted_at_no_round": "submitted_at không thuộc vòng nào",
        "submitted_at_round": "submitted_at nằm ngoài vòng {round}",
        "prediction_invalid": "prediction phải là số nguyên hoặc để trống, nhận được {value!r}",
        "unit_name_length": "cột name phải dài từ 1 đến 200 ký tự",
        "ward_unknown": "locality_code {value!r} không phải mã phường, xã chính thức",
        "headcount_invalid": "headcount phải là số nguyên từ 0 trở lên hoặc để trống, nhận được {value!r}",
        "unit_unknown": "đơn vị {value!r} không có trong danh mục đơn vị của tổ chức (theo mã hay tên)",
    },
}


def text(problem: Problem, lang: str = DEFAULT_LANGUAGE) -> str:
    """``FILE:ROW: what is wrong`` (or ``FILE: ...`` for the whole file, or the bare message) in ``lang``."""
    templates = TEMPLATES.get(lang, TEMPLATES[DEFAULT_LANGUAGE])
    message = templates.get(problem.code, TEMPLATES[DEFAULT_LANGUAGE][problem.code]).format(**problem.params)
    if problem.file and problem.row:
        return f"{problem.file}:{problem.row}: {message}"
    if problem.file:
        return f"{problem.file}: {message}"
    return message


def texts(problems, lang: str = DEFAULT_LANGUAGE) -> list[str]:
    return [text(p, lang) for p in problems]


class FileProblems(ValueError):
    """A file that cannot be taken; ``problems`` lists every problem, ``errors`` words them for the command line."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        super().__init__("\n".join(self.errors))

    @property
    def errors(self) -> list[str]:
        return texts(self.problems)

    def messages(self, lang: str = DEFAULT_LANGUAGE) -> list[str]:
        return texts(self.problems, lang)

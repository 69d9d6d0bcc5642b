"""Reading organizers' spreadsheets: today's readers against pandas, same checks, same errors.

    .venv/bin/python bench/readers.py [--rows 1000000] [--questions 5000] [--repeat 3]

1. Results CSV (``flask results import``): parse and validate ROWS rows (the
   file of bench/big_contest.py), with ``quiz.files.results_import.read_results``
   (csv module + one check per row) and with a pandas reader (``read_csv`` to
   strings, the checks as column operations, any row a column check doubts
   handed to the app's own row check for its ``FILE:ROW:`` problems, so the
   errors are the same by construction). Both must return the same rows.
2. Question file .xlsx (``flask questions import``, the upload page): QUESTIONS
   rows read and checked with ``quiz.bank.question_files.parse_questions``
   (openpyxl, read-only) and with ``pandas.read_excel`` feeding the same row
   check (``parse_records``). Both must return the same questions.
3. The same question file as .csv, both ways.

Prints the best of REPEAT runs of each (seconds) and, with --memory, the peak
of Python's own allocations (tracemalloc, one extra run each). Nothing touches
a database. The figures and the decision: docs/benchmarks.md, "Reading
organizers' spreadsheets". pandas lost and is no longer a requirement of the
app; this script needs it installed (``pip install pandas==2.3.3``).
"""
from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.big_contest import OPENS, write_results  # noqa: E402
from quiz.bank.question_files import (  # noqa: E402
    COLUMNS as QUESTION_COLUMNS,
)
from quiz.bank.question_files import (  # noqa: E402
    REQUIRED_COLUMNS,
    QuestionFileError,
    _clean,
    parse_questions,
    parse_records,
    write_questions,
)
from quiz.files.cells import unguard  # noqa: E402
from quiz.files.results_import import COLUMNS, ResultsFileError, RowChecker, read_results  # noqa: E402
from quiz.messages import Problem  # noqa: E402

CONTEST = SimpleNamespace(time_limit_s=1200, question_count=20, opens_at=OPENS - timedelta(days=1),
                          closes_at=OPENS + timedelta(days=41))
OFFSET_RE = r"(?:[Zz]|[+-]\d\d(?::?\d\d(?::?\d\d(?:\.\d+)?)?)?)$"


# --- the pandas candidates ------------------------------------------------------------------------------------------

def read_results_pandas(path, contest, rounds, only=None) -> list[tuple]:
    """read_results with pandas: the same rows, the same problems (doubtful rows go to the app's own row check)."""
    import numpy as np
    import pandas as pd

    from quiz.accounts.users import EMAIL_RE

    name = Path(str(path)).name
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                         encoding="utf-8-sig")
    except FileNotFoundError:
        raise ResultsFileError([Problem(name, 0, "no_such_file")]) from None
    except (UnicodeDecodeError, pd.errors.ParserError):  # ragged rows: the csv module's reading, as today
        return read_results(path, contest, rounds, only)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ResultsFileError([Problem(name, 1, "missing_columns", {"columns": ", ".join(missing)})])
    cols = {c: df[c].str.strip() for c in COLUMNS}
    email = cols["email"].str.lower()
    score = pd.to_numeric(cols["score"].where(cols["score"].str.fullmatch(r"[0-9]+")), errors="coerce")
    duration = pd.to_numeric(cols["duration_s"], errors="coerce")
    duration_ms = (duration * 1000).round()
    has_offset = cols["submitted_at"].str.contains(OFFSET_RE, regex=True)
    when = pd.to_datetime(cols["submitted_at"].where(has_offset), format="ISO8601", utc=True, errors="coerce")
    pred = cols["prediction"]
    pred_ok = (pred == "") | (pred.str.fullmatch(r"[0-9]{1,9}"))
    opens, closes = pd.Timestamp(contest.opens_at), pd.Timestamp(contest.closes_at)
    scopes = [only] if only else rounds
    round_id = pd.Series(np.zeros(len(df), dtype="int64"))
    placed = pd.Series(np.ones(len(df), dtype=bool)) if not scopes else pd.Series(np.zeros(len(df), dtype=bool))
    for r in scopes:
        inside = (when >= pd.Timestamp(r.opens_at)) & (when <= pd.Timestamp(r.closes_at)) & ~placed
        round_id[inside] = r.id
        placed |= inside
    good = (email.str.match(EMAIL_RE.pattern) & (email.str.len() <= 254)
            & cols["full_name"].str.len().between(1, 120)
            & (cols["unit"].str.len() <= 200) & (cols["locality"].str.len() <= 120)
            & score.between(0, contest.question_count)
            & duration_ms.between(0, contest.time_limit_s * 1000)
            & when.notna() & (when >= opens) & (when <= closes) & placed & pred_ok).fillna(False)
    blank = (pd.concat([cols[c] for c in df.columns if c in cols], axis=1) == "").all(axis=1)
    # Cells in columns the app does not read can make a row non-blank: check them as the csv reader does.
    others = [c for c in df.columns if c not in COLUMNS]
    if others:
        blank &= (df[others].apply(lambda s: s.str.strip()) == "").all(axis=1)
    doubtful = np.flatnonzero(~(good | blank).to_numpy())
    problems, count, rescued = [], 0, []
    if len(doubtful):
        check = RowChecker(name, contest, rounds, only)
        values = [cols[c].to_numpy() for c in COLUMNS]
        for i in doubtful:
            row, found = check(int(i) + 2, [v[i] for v in values])
            if row is not None:  # a value pandas reads otherwise than Python (float("1_000")): the app's answer
                rescued.append((int(i), row))
            count += len(found)
            if len(problems) < 1000:
                problems.extend(found)
    if problems:
        raise ResultsFileError(problems[:1000], count)
    keep = good.to_numpy()
    if not keep.any() and not rescued:
        raise ResultsFileError([Problem(name, 0, "no_rows")])
    pred_values = [int(p) if p else None for p in pred[keep].tolist()]
    ids = round_id[keep].tolist() if scopes else [None] * int(keep.sum())
    with warnings.catch_warnings():  # pandas 2.x announces a change of to_pydatetime's return type
        warnings.simplefilter("ignore", FutureWarning)
        times = list(when[keep].dt.to_pydatetime())
    out = list(zip(email[keep].tolist(), cols["full_name"][keep].tolist(), cols["unit"][keep].tolist(),
                   cols["locality"][keep].tolist(), score[keep].astype("int64").tolist(),
                   duration_ms[keep].astype("int64").tolist(), times,
                   pred_values, ids, strict=True))
    if rescued:
        merged = sorted([*zip(np.flatnonzero(keep).tolist(), out, strict=True), *rescued], key=lambda pair: pair[0])
        out = [row for _i, row in merged]
    return out


def parse_questions_pandas(path):
    """parse_questions with pandas reading the sheet; the same row check (parse_records) after it."""
    import pandas as pd

    name = Path(str(path)).name
    if str(path).endswith(".xlsx"):
        df = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False, na_filter=False, engine="openpyxl")
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False,
                         encoding="utf-8-sig")
    df.columns = [_clean(c).lower() for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise QuestionFileError([Problem(name, 1, "missing_columns", {"columns": ", ".join(missing)})])
    present = [c for c in QUESTION_COLUMNS if c in df.columns]
    records = []
    for rownum, row in enumerate(df[present].itertuples(index=False, name=None), start=2):
        values = {c: unguard(_clean(v)) for c, v in zip(present, row, strict=True)}
        if any(values.values()):
            records.append((rownum, values))
    return parse_records(name, records)


# --- the files ------------------------------------------------------------------------------------------------------

def write_question_file(path: Path, n: int) -> None:
    rng = random.Random(3)
    rows = []
    for i in range(n):
        k = rng.randrange(2, 7)
        rows.append(SimpleNamespace(
            code=f"HTX-B{i:05d}", chapter=rng.randrange(1, 13), article=f"khoản {rng.randrange(1, 9)} Điều "
            f"{rng.randrange(1, 115)}", text=f"Câu hỏi số {i} về Luật Hợp tác xã 2023: điều nào sau đây đúng?",
            options=[f"Phương án {c} của câu {i}" for c in "ABCDEF"[:k]], correct=rng.randrange(k),
            explanation=f"Vì khoản {i % 9 + 1} quy định như vậy.", source_quote="hợp tác xã"))
    write_questions(path, rows)


def timed(fn, repeat: int) -> tuple[float, object]:
    best, result = None, None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        took = time.perf_counter() - t
        best = took if best is None else min(best, took)
    return best, result


def peak_mib(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def same_errors(a, b) -> bool:
    def errors(fn):
        try:
            fn()
        except (ResultsFileError, QuestionFileError) as exc:
            return exc.errors, exc.total
        return None

    return errors(a) == errors(b)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--questions", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="also measure peak allocations (slow)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results = tmp / "ket-qua.csv"
        write_results(results, args.rows, int(args.rows * 0.7))
        bad = tmp / "loi.csv"
        text = results.read_text(encoding="utf-8").splitlines(keepends=True)[:2001]
        text[5] = "khong-phai-email,,,,21,1300,2026-01-01T00:00:00,abc\n"
        text[9] = text[9].replace("@bench.vn", "@bench")
        text[12] = "\n"
        bad.write_text("".join(text), encoding="utf-8")
        questions = {suffix: tmp / f"cau-hoi.{suffix}" for suffix in ("xlsx", "csv")}
        for path in questions.values():
            write_question_file(path, args.questions)

        print(f"results CSV, {args.rows:,} rows, parse + validate (best of {args.repeat}):")
        t_csv, rows_csv = timed(lambda: read_results(results, CONTEST, []), args.repeat)
        t_pd, rows_pd = timed(lambda: read_results_pandas(results, CONTEST, []), args.repeat)
        assert rows_csv == rows_pd, "the pandas reader returns other rows"
        assert same_errors(lambda: read_results(bad, CONTEST, []), lambda: read_results_pandas(bad, CONTEST, []))
        print(f"  csv module (today): {t_csv:6.2f} s")
        print(f"  pandas:             {t_pd:6.2f} s   (same rows, same errors)")
        del rows_csv, rows_pd
        if args.memory:
            print(f"  peak allocations: csv {peak_mib(lambda: read_results(results, CONTEST, [])):.0f} MiB, "
                  f"pandas {peak_mib(lambda: read_results_pandas(results, CONTEST, [])):.0f} MiB")
        for suffix, path in questions.items():
            print(f"question file .{suffix}, {args.questions:,} rows, read + check (best of {args.repeat}):")
            t_today, q_today = timed(lambda p=path: parse_questions(p), args.repeat)
            t_pd, q_pd = timed(lambda p=path: parse_questions_pandas(p), args.repeat)
            assert [vars(q) for q in q_today] == [vars(q) for q in q_pd], "the pandas reader parses other questions"
            print(f"  today ({'openpyxl read-only' if suffix == 'xlsx' else 'csv module'}): {t_today:6.2f} s")
            print(f"  pandas:             {t_pd:6.2f} s   (same questions)")
    t = time.perf_counter()
    import pandas  # noqa: F401
    print(f"import pandas (once per command): {time.perf_counter() - t:.2f} s")
    print(f"# {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()

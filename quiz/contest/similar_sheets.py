"""Nearly identical answer sheets, found without comparing every pair of attempts.

A sheet is a finished attempt's answered questions (the version shown) with the option chosen. Two
sheets of different people match when they share at least ``min_shared`` questions, chose the same option
in at least ``min_share`` of them, and at least ``min_wrong`` (>= 2) of those same choices are wrong.

1. One streamed query reads the sheets that can match (enough answers, at least ``min_wrong`` wrong:
   attempts scoring above total - min_wrong are not even read). For each sheet it keeps a hash of the
   whole sheet, a bitset of its questions, and one bucket key per *pair of its wrong choices* (k wrong
   answers: k(k-1)/2 keys). A matching pair has two identical wrong choices, so it shares a bucket.
2. Whole-sheet copies are grouped by their hash: a thousand copies of one sheet are one group, not half a
   million pairs, and are found even when their mistakes are common ones.
3. Pairs are made only inside buckets (numpy, by bucket size). A given pair of mistakes is rare unless
   copied; a bucket of more than ``bucket_cap`` sheets is a pair of common mistakes and is skipped.
4. Pairs sharing fewer than ``min_shared`` questions are dropped by AND-ing the question bitsets (numpy):
   with the real bank two papers share about one question, so almost nothing survives to step 5.
5. The survivors (at most ``max_checks``, those sharing the most mistake pairs first) are read again and
   checked exactly; matching pairs are linked into clusters.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from itertools import groupby

import numpy as np
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from quiz.models import Answer, Attempt, AttemptQuestion, QuestionVersion

_POPCOUNT = np.array([i.bit_count() for i in range(256)], dtype=np.uint8)  # bits set in each byte


@dataclass
class Pair:
    attempt_a: int
    attempt_b: int
    shared: int  # questions both answered
    same: int  # of those, the same option
    same_wrong: int  # of those, a wrong one


@dataclass
class Cluster:
    user_ids: list[int]
    attempts: list[tuple[int, int]]  # (person, attempt)
    pairs: list[Pair] = field(default_factory=list)
    best: Pair | None = None


def _sheet_rows(contest_id: int, round_id: int | None, min_wrong: int):
    """(attempt, person, version, chosen option, right option) of finished attempts that may match."""
    where = [Attempt.contest_id == contest_id, Attempt.score.is_not(None), Attempt.score <= Attempt.total - min_wrong]
    if round_id is not None:
        where.append(Attempt.round_id == round_id)
    return (select(Answer.attempt_id, Attempt.user_id, AttemptQuestion.version_id, Answer.option_index,
                   QuestionVersion.correct)
            .join(Attempt, Attempt.id == Answer.attempt_id)
            .join(AttemptQuestion, and_(AttemptQuestion.attempt_id == Answer.attempt_id,
                                        AttemptQuestion.question_id == Answer.question_id))
            .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.version_id)
            .where(*where))


def _sheets(s: Session, query):
    """Yield (attempt, person, {version: option}, {versions answered wrong}) from the rows of ``query``."""
    rows = s.execute(query.order_by(Answer.attempt_id).execution_options(yield_per=10_000))
    for attempt_id, group in groupby(rows, key=lambda r: r[0]):
        group = list(group)
        yield (attempt_id, group[0][1], {v: o for _a, _u, v, o, _c in group},
               {v for _a, _u, v, o, c in group if o != c})


def compare(a: dict, wrong_a: set, b: dict) -> tuple[int, int, int]:
    """(shared, same, same_wrong) of two sheets."""
    shared = a.keys() & b.keys()
    same = [v for v in shared if a[v] == b[v]]
    return len(shared), len(same), sum(v in wrong_a for v in same)


def _as_array(values: array) -> np.ndarray:
    return np.frombuffer(values, dtype=np.int64).copy() if len(values) else np.empty(0, np.int64)


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each run of equal values in ``sorted_keys``."""
    if not len(sorted_keys):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.concatenate(([0], np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1))
    return starts, np.diff(np.concatenate((starts, [len(sorted_keys)])))


def _bucket_pairs(keys: np.ndarray, members: np.ndarray, cap: int, stats: dict) -> np.ndarray:
    """Every pair (i < j) of distinct sheets sharing a bucket of at most ``cap`` sheets, as an (m, 2) array."""
    order = np.lexsort((members, keys))
    keys, members = keys[order], members[order]
    if len(keys):  # one sheet once per bucket (copies were folded into one sheet before)
        fresh = np.concatenate(([True], (keys[1:] != keys[:-1]) | (members[1:] != members[:-1])))
        keys, members = keys[fresh], members[fresh]
    starts, lengths = _runs(keys)
    stats["skipped_buckets"] = int((lengths > cap).sum())
    parts = [np.empty((0, 2), np.int64)]
    for size in np.unique(lengths[(lengths >= 2) & (lengths <= cap)]).tolist():
        block = members[starts[lengths == size][:, None] + np.arange(size)]
        i, j = np.triu_indices(size, 1)
        parts.append(np.stack((block[:, i].ravel(), block[:, j].ravel()), axis=1))
    return np.sort(np.concatenate(parts), axis=1)


def similar_clusters(s: Session, contest_id: int, round_id: int | None, min_shared: int = 10,
                     min_share: float = 0.9, min_wrong: int = 2, bucket_cap: int = 100, max_checks: int = 100_000,
                     stats: dict | None = None) -> list[Cluster]:
    """Groups of people whose sheets match (linked pair by pair), largest first. ``stats`` gets the counts."""
    min_wrong = max(2, min_wrong)
    stats = {} if stats is None else stats
    query = _sheet_rows(contest_id, round_id, min_wrong)
    bit_of: dict[int, int] = {}
    ids, people, hashes, keys, members, masks = array("q"), array("q"), array("q"), array("q"), array("q"), []
    for attempt_id, person, answers, wrong in _sheets(s, query):
        if len(answers) < min_shared or len(wrong) < min_wrong:
            continue
        index = len(ids)
        ids.append(attempt_id)
        people.append(person)
        hashes.append(hash(tuple(sorted(answers.items()))))
        mask = 0
        for v in answers:
            mask |= 1 << bit_of.setdefault(v, len(bit_of))
        masks.append(mask)
        mistakes = sorted((v, answers[v]) for v in wrong)
        for x in range(len(mistakes)):
            for y in range(x + 1, len(mistakes)):
                keys.append(hash((mistakes[x], mistakes[y])))
                members.append(index)
    n = len(ids)
    attempt_ids, person_of = _as_array(ids), _as_array(people)
    # Whole-sheet copies: every copy is checked against its group's first sheet, and stands for it below.
    order = np.argsort(_as_array(hashes), kind="stable")
    starts, lengths = _runs(_as_array(hashes)[order])
    rep = np.arange(n)
    copies = []
    for start, length in zip(starts[lengths > 1].tolist(), lengths[lengths > 1].tolist(), strict=True):
        group = order[start:start + length]
        rep[group] = group[0]
        copies += [(int(group[0]), int(m)) for m in group[1:]]
    pairs = _bucket_pairs(_as_array(keys), rep[_as_array(members)] if n else _as_array(members), bucket_cap, stats)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    codes, shared_keys = np.unique(pairs[:, 0] * max(n, 1) + pairs[:, 1], return_counts=True)
    a, b = codes // max(n, 1), codes % max(n, 1)
    stats.update(sheets=n, buckets=len(keys), candidate_pairs=len(codes))
    # Different people sharing enough questions (the bitsets, AND-ed and counted in chunks).
    keep = person_of[a] != person_of[b]
    a, b, shared_keys = a[keep], b[keep], shared_keys[keep]
    width = (len(bit_of) + 7) // 8 or 1
    bits = np.frombuffer(b"".join(m.to_bytes(width, "little") for m in masks), dtype=np.uint8).reshape(n, width) \
        if n else np.empty((0, width), np.uint8)
    keep = np.zeros(len(a), dtype=bool)
    for lo in range(0, len(a), 200_000):
        both = bits[a[lo:lo + 200_000]] & bits[b[lo:lo + 200_000]]
        keep[lo:lo + 200_000] = _POPCOUNT[both].sum(axis=1, dtype=np.int32) >= min_shared
    a, b, shared_keys = a[keep], b[keep], shared_keys[keep]
    stats["overlapping_pairs"] = len(a)
    if len(a) > max_checks:  # a small bank: papers overlap, honest mistakes coincide; the strongest first
        strongest = np.argsort(-shared_keys, kind="stable")[:max_checks]
        a, b = a[strongest], b[strongest]
    stats["checked_pairs"] = len(a) + len(copies)
    candidates = {(int(attempt_ids[x]), int(attempt_ids[y])) for x, y in copies}
    candidates |= {(int(attempt_ids[x]), int(attempt_ids[y])) for x, y in zip(a.tolist(), b.tolist(), strict=True)}
    person_of = dict(zip(ids.tolist(), people.tolist(), strict=True))
    return _check(s, query, candidates, person_of, min_shared, min_share, min_wrong)


def _check(s: Session, query, candidates: set, person_of: dict, min_shared: int, min_share: float,
           min_wrong: int) -> list[Cluster]:
    """Read the candidates' sheets again, keep the pairs that match, link them into clusters."""
    needed = sorted({a for pair in candidates for a in pair})
    sheets = {}
    for i in range(0, len(needed), 500):
        for attempt_id, _person, answers, wrong in _sheets(s, query.where(Answer.attempt_id.in_(needed[i:i + 500]))):
            sheets[attempt_id] = (answers, wrong)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    matched = []
    for a, b in sorted(candidates):
        (sheet_a, wrong_a), (sheet_b, _wrong_b) = sheets[a], sheets[b]
        shared, same, same_wrong = compare(sheet_a, wrong_a, sheet_b)
        if shared >= min_shared and same >= math.ceil(min_share * shared - 1e-9) and same_wrong >= min_wrong:
            matched.append(Pair(a, b, shared, same, same_wrong))
            root_a, root_b = find(a), find(b)
            if root_a != root_b:
                parent[root_a] = root_b
    members: dict[int, set] = {}
    pairs_of: dict[int, list[Pair]] = {}
    for p in matched:
        root = find(p.attempt_a)
        members.setdefault(root, set()).update((p.attempt_a, p.attempt_b))
        if person_of[p.attempt_a] != person_of[p.attempt_b]:  # one's own retake is no evidence
            pairs_of.setdefault(root, []).append(p)
    clusters = []
    for root, attempts in members.items():
        attempts = sorted(attempts)
        users = list(dict.fromkeys(person_of[a] for a in attempts))
        if len(users) < 2:
            continue
        pairs = sorted(pairs_of[root], key=lambda p: (-p.same / p.shared, -p.same_wrong, p.attempt_a, p.attempt_b))
        clusters.append(Cluster(users, [(person_of[a], a) for a in attempts], pairs, pairs[0]))
    clusters.sort(key=lambda c: (-len(c.user_ids), -c.best.same_wrong, c.attempts[0][1]))
    return clusters

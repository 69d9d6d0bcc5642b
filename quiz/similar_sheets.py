"""Nearly identical answer sheets, found without comparing every pair of attempts.

A sheet is a finished attempt's answered questions (the version shown) with the option chosen. Two
sheets of different people match when they share at least ``min_shared`` questions, chose the same option
in at least ``min_share`` of them, and at least ``min_wrong`` of those same choices are wrong.

How candidates are found (one streamed query, then arrays sorted by numpy):

* A matching pair has at least ``min_wrong`` (>= 2) identical wrong choices, so it has at least one
  identical *pair* of wrong choices. Each sheet goes into one bucket per pair of its wrong choices (k
  wrong answers: k(k-1)/2 buckets); only sheets sharing a bucket are compared. A given pair of mistakes
  is rare unless copied, so buckets are small. A bucket larger than ``bucket_cap`` is a pair of common
  mistakes and is not paired up: the work stays within cap x buckets, linear in the attempts.
* Sheets identical as a whole are grouped first by a hash of the sheet, so a thousand copies of one
  sheet are one group (not half a million pairs), found even when their mistakes are common ones.
* Only the candidate pairs' sheets are then read again and checked exactly.

Sheets with fewer than ``min_shared`` answers or fewer than ``min_wrong`` wrong ones cannot match and
are skipped (in SQL too: attempts scoring above total - min_wrong are not read).
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from itertools import combinations, groupby

import numpy as np
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from .models import Answer, Attempt, AttemptQuestion, QuestionVersion


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
    """(attempt, person, version, chosen option, right option) of finished attempts, by attempt."""
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


def _runs(keys: np.ndarray):
    """(start, end) of each run of equal values in sorted ``keys`` longer than one."""
    if not len(keys):
        return []
    edges = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(keys)]))
    long = ends - starts > 1
    return zip(starts[long].tolist(), ends[long].tolist())


def compare(a: dict, wrong_a: set, b: dict) -> tuple[int, int, int]:
    """(shared, same, same_wrong) of two sheets."""
    shared = a.keys() & b.keys()
    same = [v for v in shared if a[v] == b[v]]
    return len(shared), len(same), sum(v in wrong_a for v in same)


def similar_clusters(s: Session, contest_id: int, round_id: int | None, min_shared: int = 10,
                     min_share: float = 0.9, min_wrong: int = 2, bucket_cap: int = 200,
                     stats: dict | None = None) -> list[Cluster]:
    """Groups of people whose sheets match (linked pair by pair), largest first."""
    min_wrong = max(1, min_wrong)
    per_key = min(2, min_wrong)
    query = _sheet_rows(contest_id, round_id, min_wrong)
    ids, people, sheet_hashes = array("q"), array("q"), array("q")
    bucket_keys, bucket_members = array("q"), array("q")
    for attempt_id, person, answers, wrong in _sheets(s, query):
        if len(answers) < min_shared or len(wrong) < min_wrong:
            continue
        ids.append(attempt_id)
        people.append(person)
        sheet_hashes.append(hash(tuple(sorted(answers.items()))))
        for combo in combinations(sorted((v, answers[v]) for v in wrong), per_key):
            bucket_keys.append(hash(combo))
            bucket_members.append(attempt_id)
    # Whole-sheet copies: one representative per group of identical sheets.
    hashes = np.frombuffer(sheet_hashes, dtype=np.int64) if sheet_hashes else np.empty(0, np.int64)
    attempt_ids = np.frombuffer(ids, dtype=np.int64) if ids else np.empty(0, np.int64)
    order = np.argsort(hashes, kind="stable")
    rep = {}  # attempt -> the first attempt with the same sheet hash
    candidates = set()
    for start, end in _runs(hashes[order]):
        members = attempt_ids[order[start:end]].tolist()
        for m in members[1:]:
            rep[m] = members[0]
        candidates.update((members[0], m) for m in members[1:])  # checked like any pair (hashes may collide)
    # Pairs of identical wrong choices: sort the buckets, pair up the members of each small one.
    keys = np.frombuffer(bucket_keys, dtype=np.int64) if bucket_keys else np.empty(0, np.int64)
    members_all = np.frombuffer(bucket_members, dtype=np.int64) if bucket_members else np.empty(0, np.int64)
    order = np.argsort(keys, kind="stable")
    skipped = 0
    for start, end in _runs(keys[order]):
        members = sorted({rep.get(m, m) for m in members_all[order[start:end]].tolist()})
        if len(members) > bucket_cap:
            skipped += 1
            continue
        candidates.update(combinations(members, 2))
    if stats is not None:
        stats.update(sheets=len(ids), buckets=len(keys), candidate_pairs=len(candidates), skipped_buckets=skipped)
    return _check(s, query, candidates, dict(zip(ids.tolist(), people.tolist())), min_shared, min_share, min_wrong)


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

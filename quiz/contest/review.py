"""The review policy: when a closed attempt's right answers may be shown to its taker."""
from __future__ import annotations

from datetime import datetime

from quiz.models import OPEN, Attempt, Contest


def review_allowed(a: Attempt, contest: Contest, now: datetime) -> bool:
    """Whether the contest's review policy shows this closed attempt's answers now. A practice contest shows them
    after each submit, whatever its policy: it is there to learn from."""
    if a.status == OPEN:
        return False
    if contest.practice:
        return True
    if contest.review_policy == "never":
        return False
    return contest.review_policy == "after_submit" or contest.status_at(now) == "closed"

"""Who may do what: the one role policy of the platform, read by every blueprint, the API, the command line,
the templates (through ``quiz.web.access``) and the database's check on ``user.role``.

A person has one role. Each group below names the roles allowed one kind of work; a page, an endpoint or a
command asks ``role in GROUP`` of the group that says what it does, never a tuple of its own. Plain values,
no Flask: the domain may read it too.
"""
from __future__ import annotations

PARTICIPANT = "participant"
ORGANIZER = "organizer"
JUDGE = "judge"
ADMIN = "admin"

# Every role, in the order forms and messages list them; a new account is a participant.
ALL = (PARTICIPANT, ORGANIZER, JUDGE, ADMIN)
DEFAULT = PARTICIPANT

# Staff: the people who run or judge the contest. They may see participants' personal data
# (email, phone, the addresses they came from), which the public and other participants never see.
STAFF = (ORGANIZER, JUDGE, ADMIN)

# Staff who may belong to one organization (``flask users create --role organizer|judge --org S``): they then see
# and manage only its contests (the rule is quiz.contest.scope). Admins and participants belong to none.
ORGANIZATION_STAFF = (ORGANIZER, JUDGE)

# Manage the question bank and the contests (/organizer: questions, uploads, contests, rounds).
MANAGE_CONTESTS = (ORGANIZER, ADMIN)

# Read the statistics and download the winner lists (/results and the API's stats and winners).
READ_RESULTS = STAFF

# Read the suspicious-pattern report, its CSV and one flagged attempt (/organizer/contests/SLUG/suspicious).
# More than MANAGE_CONTESTS on purpose, though the pages sit under /organizer: judges decide the prizes, and a
# flag (answers copied between sheets, a burst of accounts from one device) may bear on who gets one. The
# report only reads; flags are for review, never automatic bans.
READ_SUSPICIOUS = (ORGANIZER, JUDGE, ADMIN)

# Read and export the audit log (/admin).
READ_AUDIT = (ADMIN,)

# Create and edit organizations, their names, contacts and logos (/admin/organizations, ``flask orgs create``).
# Admins only: an organization is a tenant of the platform whose staff see only its contests, so making one is
# the platform's decision, not an organizer's. Platform organizers (no organization) run contests for every
# organization but do not make organizations; staff of an organization never reach these pages (403).
MANAGE_ORGANIZATIONS = (ADMIN,)

# Freeze a closed ranking again from the attempts as they are now (``flask ranking freeze --by``).
REFREEZE_RANKING = (ADMIN,)


# Decide verdicts on people (verified, disqualified, pending again), which re-freeze a frozen ranking
# (/results/SLUG/verdicts, POST /api/v1/contests/SLUG/verdicts, ``flask winners verdict``). Organizers run the
# contest and do not judge it.
JUDGE_VERDICTS = (JUDGE, ADMIN)

"""Whose contests a staff member sees: the one rule, used by every page, endpoint and command.

Staff of an organization (an organizer or judge with ``organization_id``) see and manage only that
organization's contests, and through them its participants' data (statistics, winner lists, the suspicious
report, attempts) and its exports. Platform staff (no organization) and admins see every contest. The role
says *what* someone may do (quiz.roles); this says *on which contests*. The question bank stays shared by
the whole platform: every organization's contests draw from the one bank of the law's questions.

``user`` is a ``models.User`` (or anything with ``role`` and ``organization_id``); ``None`` is the operator
on the command line without ``--by``, who sees everything.
"""
from __future__ import annotations

from sqlalchemy import Select

from quiz import roles
from quiz.errors import DomainError
from quiz.i18n import N_
from quiz.models import Contest


def organization_of(user) -> int | None:
    """The organization whose contests alone ``user`` may see, or None when they see all."""
    if user is None or user.role == roles.ADMIN:
        return None
    return user.organization_id


def can_manage(user, contest: Contest) -> bool:
    """May ``user`` (already of the right role for the page) see and act on ``contest``?"""
    org = organization_of(user)
    return org is None or contest.organization_id == org


def require(user, contest: Contest) -> Contest:
    """``contest`` when ``user`` may manage it; else 403 ``forbidden`` (the contest itself is public, so
    saying it exists tells nothing; its data stays hidden)."""
    if not can_manage(user, contest):
        raise DomainError("forbidden", N_("Cuộc thi này do tổ chức khác quản lý: bạn không xem hay sửa được."))
    return contest


def visible(query: Select, user) -> Select:
    """``query`` (over ``Contest``) narrowed to the contests ``user`` may manage."""
    org = organization_of(user)
    return query if org is None else query.where(Contest.organization_id == org)


def assign_organization(user, organization_id: int | None) -> int | None:
    """The organization of what ``user`` makes (a contest, a staff account): their own when they are an
    organization's staff (asking for another is refused); otherwise the one asked for (None: the platform's)."""
    org = organization_of(user)
    if org is None:
        return organization_id
    if organization_id not in (None, org):
        raise DomainError("forbidden", N_("Bạn chỉ tạo được cuộc thi và tài khoản của tổ chức mình."))
    return org

"""Organizations that run contests (a provincial or city Cooperative Alliance, the national one): creating,
editing and reading them. Who of their staff sees what is quiz.contest.scope's business."""
from __future__ import annotations

import hashlib
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from quiz.contest.contests import SLUG_RE
from quiz.errors import DomainError, invalid, not_found
from quiz.i18n import N_, Text
from quiz.infra import audit
from quiz.infra.audit import Actor
from quiz.infra.database import commit_or_conflict
from quiz.models import Organization

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"


def logo_mimetype(data: bytes) -> str:
    """The media type of a stored logo (checked at upload as PNG or JPEG)."""
    return "image/jpeg" if data.startswith(JPEG_SIGNATURE) else "image/png"


def logo_problem(data: bytes) -> str | None:
    """Why ``data`` is not an image we can serve as a logo (None when it is one): a PNG or JPEG file of at most
    1 MB, at most 4096 pixels a side, that decodes completely (Pillow), not merely one with the right first bytes."""
    if not data:
        return N_("tệp rỗng")
    if len(data) > LOGO_MAX_BYTES:
        return N_("tệp lớn hơn 1 MB")
    if not data.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        return N_("không phải ảnh PNG hoặc JPEG")
    from PIL import Image

    kind = "PNG" if data.startswith(PNG_SIGNATURE) else "JPEG"

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != kind:
                return Text(N_("ảnh %(kind)s bị hỏng (phần đầu không hợp lệ)"), kind=kind)
            width, height = image.size
            if not (0 < width <= LOGO_MAX_SIDE and 0 < height <= LOGO_MAX_SIDE):
                return N_("kích thước ảnh phải từ 1 đến 4096 điểm ảnh mỗi chiều")
            image.load()  # every pixel: a truncated or corrupt file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return Text(N_("ảnh %(kind)s bị hỏng hoặc bị cắt cụt"), kind=kind)
    return None


def _state(org: Organization) -> dict:
    return audit.state(org, ("id", "slug", "name", "contact", "logo_hash"))


def _checked(name: str, contact: str, logo: bytes | None, fields: dict) -> tuple[str, str]:
    """The name and contact as stored; every bad field (name, contact, logo) added to ``fields``."""
    name, contact = (name or "").strip(), (contact or "").strip()
    if not 2 <= len(name) <= 200:
        fields["name"] = N_("từ 2 đến 200 ký tự")
    if len(contact) > 2000:
        fields["contact"] = N_("tối đa 2000 ký tự")
    if logo is not None and (problem := logo_problem(logo)):
        fields["logo"] = problem
    return name, contact


def _set_logo(org: Organization, logo: bytes | None) -> None:
    org.logo, org.logo_hash = logo, hashlib.sha256(logo).hexdigest()[:16] if logo else None


def create_organization(s: Session, *, slug: str, name: str, contact: str = "", logo: bytes | None = None,
                        actor: Actor | None = None) -> Organization:
    """Validate and create an organization; 422 listing every bad field (a bad logo too), 409 ``slug_taken``.
    Nothing is written on an error. Logged as ``actor``'s org.create."""
    slug = (slug or "").strip()
    fields = {}
    if not SLUG_RE.match(slug):
        fields["slug"] = N_("chữ thường không dấu, số và dấu '-', tối đa 64 ký tự")
    name, contact = _checked(name, contact, logo, fields)
    if fields:
        raise invalid(fields, N_("Thông tin tổ chức không hợp lệ."))
    org = Organization(slug=slug, name=name, contact=contact)
    _set_logo(org, logo)
    with audit.recording(s, actor, audit.ORG_CREATE, "organization", slug, after=lambda: _state(org)):
        s.add(org)
        commit_or_conflict(s, DomainError("slug_taken", Text(N_("Đã có tổ chức với mã %(slug)s."), slug=slug),
                                          {"slug": N_("đã được dùng")}))
    return org


def edit_organization(s: Session, org: Organization, *, name: str, contact: str, logo: bytes | None = None,
                      remove_logo: bool = False, actor: Actor | None = None) -> Organization:
    """Change an organization's name, contact and logo (a new one replaces it; ``remove_logo`` drops it). The slug
    stays: contests' addresses and staff accounts name it. 422 with every bad field, nothing changed. Logged as
    org.edit (no entry when nothing changed)."""
    fields: dict = {}
    name, contact = _checked(name, contact, logo, fields)
    if fields:
        raise invalid(fields, N_("Thông tin tổ chức không hợp lệ."))
    with audit.recording(s, actor, audit.ORG_EDIT, "organization", org.slug, before=_state(org),
                         after=lambda: _state(org)):
        org.name, org.contact = name, contact
        if logo is not None or remove_logo:
            _set_logo(org, logo)
        s.commit()
    return org


def get_organization(s: Session, slug: str) -> Organization:
    """Return the organization or raise 404."""
    org = s.execute(select(Organization).where(Organization.slug == slug)).scalar_one_or_none()
    if org is None:
        raise not_found(Text(N_("Không tìm thấy tổ chức %(slug)s."), slug=slug))
    return org


def list_organizations(s: Session) -> list[Organization]:
    return list(s.execute(select(Organization).order_by(Organization.name, Organization.id)).scalars())


def logo_of(s: Session, slug: str) -> tuple[bytes, str]:
    """The organization's logo (PNG or JPEG bytes) and its hash; 404 when it has none."""
    row = s.execute(select(Organization.logo, Organization.logo_hash).where(Organization.slug == slug)).one_or_none()
    if row is None or row.logo is None:
        raise not_found(N_("Tổ chức này không có biểu trưng."))
    return row.logo, row.logo_hash

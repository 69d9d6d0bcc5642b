"""Organizations that run contests (a provincial or city Cooperative Alliance, the national one): creating and
reading them. Who of their staff sees what is quiz.contest.scope's business."""
from __future__ import annotations

import hashlib
import struct
import zlib

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
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_problem(data: bytes) -> str | None:
    """Why ``data`` is not a PNG image we can serve as a logo (None when it is one): the signature, a well-formed
    header chunk (IHDR, with its checksum) and a size of at most 1 MB."""
    if not data:
        return N_("tệp rỗng")
    if len(data) > LOGO_MAX_BYTES:
        return N_("tệp lớn hơn 1 MB")
    if not data.startswith(PNG_SIGNATURE) or len(data) < 33:
        return N_("không phải ảnh PNG")
    length, kind = struct.unpack(">I4s", data[8:16])
    body, crc = data[16:16 + length], data[16 + length:20 + length]
    if kind != b"IHDR" or length != 13 or len(crc) != 4 or zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
        return N_("ảnh PNG bị hỏng (phần đầu không hợp lệ)")
    width, height = struct.unpack(">II", body[:8])
    if not (0 < width <= 4096 and 0 < height <= 4096):
        return N_("kích thước ảnh phải từ 1 đến 4096 điểm ảnh mỗi chiều")
    if b"IEND" not in data[-12:]:
        return N_("ảnh PNG bị cắt cụt")
    return None


def _state(org: Organization) -> dict:
    return audit.state(org, ("id", "slug", "name", "contact", "logo_hash"))


def create_organization(s: Session, *, slug: str, name: str, contact: str = "", logo: bytes | None = None,
                        actor: Actor | None = None) -> Organization:
    """Validate and create an organization; 422 listing every bad field (a bad PNG too), 409 ``slug_taken``.
    Nothing is written on an error. Logged as ``actor``'s org.create."""
    slug = (slug or "").strip()
    fields = {}
    if not SLUG_RE.match(slug):
        fields["slug"] = N_("chữ thường không dấu, số và dấu '-', tối đa 64 ký tự")
    if not 2 <= len((name or "").strip()) <= 200:
        fields["name"] = N_("từ 2 đến 200 ký tự")
    if len(contact or "") > 2000:
        fields["contact"] = N_("tối đa 2000 ký tự")
    if logo is not None and (problem := png_problem(logo)):
        fields["logo"] = problem
    if fields:
        raise invalid(fields, N_("Thông tin tổ chức không hợp lệ."))
    org = Organization(slug=slug, name=name.strip(), contact=(contact or "").strip(), logo=logo,
                       logo_hash=hashlib.sha256(logo).hexdigest()[:16] if logo else None)
    with audit.recording(s, actor, audit.ORG_CREATE, "organization", slug, after=lambda: _state(org)):
        s.add(org)
        commit_or_conflict(s, DomainError("slug_taken", Text(N_("Đã có tổ chức với mã %(slug)s."), slug=slug),
                                          {"slug": N_("đã được dùng")}))
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
    """The organization's logo (PNG bytes) and its hash; 404 when it has none."""
    row = s.execute(select(Organization.logo, Organization.logo_hash).where(Organization.slug == slug)).one_or_none()
    if row is None or row.logo is None:
        raise not_found(N_("Tổ chức này không có biểu trưng."))
    return row.logo, row.logo_hash

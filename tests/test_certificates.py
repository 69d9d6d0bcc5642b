"""Certificates read back as real PDFs: the name with its diacritics and the code as text, the QR code decoded
to the verification address; verification of a valid, an unknown and a revoked code; the zip; the downloads."""
import io
import zipfile
from datetime import timedelta

import pytest
import zxingcpp
from pypdf import PdfReader

from quiz.contest import certificates, ranking
from quiz.contest.contests import close_now, create_contest
from quiz.contest.tallies import rebuild
from quiz.contest.verdicts import set_verdict
from quiz.files import certificates as pdfs
from quiz.files import qr
from quiz.infra import audit
from quiz.models import Attempt, AuditEntry, Certificate, utcnow
from tests.helpers import ApiClient

T0 = utcnow().replace(microsecond=0) - timedelta(days=3)
BASE = "https://thi.example.vn"


def add(session, contest, user, score, duration_s=100):
    n = session.query(Attempt).filter_by(user_id=user.id, contest_id=contest.id).count() + 1
    a = Attempt(user_id=user.id, contest_id=contest.id, number=n, status="submitted",
                started_at=T0 - timedelta(seconds=duration_s), deadline=T0 + timedelta(seconds=1200),
                submitted_at=T0, score=score, total=20, duration_ms=duration_s * 1000, prediction=None)
    session.add(a)
    session.flush()
    rebuild(session.connection(), contest.id)
    session.commit()
    return a


def text_of(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def qr_of(data: bytes) -> list[str]:
    image = PdfReader(io.BytesIO(data)).pages[0].images[0].image
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def contest(session, bank):
    return create_contest(session, slug="le-trao-giai", title="Tìm hiểu Luật Hợp tác xã năm 2023",
                          opens_at=T0 - timedelta(days=1), closes_at=utcnow() + timedelta(days=1),
                          max_attempts=5, prize_tiers="1:Giải Nhất,1:Giải Nhì")


@pytest.fixture
def people(session, contest, user_factory):
    nhung = user_factory(full_name="Phạm Thị Hồng Nhung", email="nhung@example.vn")
    duc = user_factory(full_name="Nguyễn Đức Ưng", email="ung@example.vn")
    ha = user_factory(full_name="Trần Thu Hà", email="ha@example.vn")
    add(session, contest, nhung, 20)
    add(session, contest, duc, 18)
    add(session, contest, ha, 15)
    ranking.freeze(session, contest, None, audit.SYSTEM)
    return nhung, duc, ha


def test_a_certificate_reads_back_with_its_name_code_and_qr(session, contest, people):
    nhung = people[0]
    [cert] = certificates.issue(session, contest, None, ("prize",), audit.CLI, nhung.id)
    assert cert.prize == "Giải Nhất" and cert.rank == 1 and len(cert.code) == 16
    renderer = pdfs.Renderer("", contest.title, None)
    data = renderer.render(cert.kind, pdfs.stamp_of(cert, BASE))
    assert data.startswith(b"%PDF") and PdfReader(io.BytesIO(data)).pages[0].mediabox.width == pytest.approx(595.28)
    text = text_of(data)
    for expected in ("Phạm Thị Hồng Nhung", cert.code, "Giải Nhất", "GIẤY CHỨNG NHẬN", "BAN TỔ CHỨC CUỘC THI",
                     "Tìm hiểu Luật Hợp tác xã năm 2023", "Xếp hạng: 1"):
        assert expected in text, expected
    assert qr_of(data) == [f"{BASE}/verify/{cert.code}"]
    # A name with a letter beyond Vietnamese gets a template of its own and stays real text.
    cert.full_name = "Nguyễn Thị Ngọc Ánh Ø"
    assert "Nguyễn Thị Ngọc Ánh Ø" in text_of(renderer.render(cert.kind, pdfs.stamp_of(cert, BASE)))


def test_verify_valid_unknown_and_revoked(session, client_app, contest, people):
    nhung, duc, ha = people
    issued = certificates.issue(session, contest, None, certificates.KINDS, audit.CLI)
    assert [(c.kind, c.prize, c.user_id) for c in issued] == [
        ("prize", "Giải Nhất", nhung.id), ("prize", "Giải Nhì", duc.id),
        ("participation", "", nhung.id), ("participation", "", duc.id), ("participation", "", ha.id)]
    # Issuing again changes nothing: the same codes.
    assert [c.code for c in certificates.issue(session, contest, None, certificates.KINDS, audit.CLI)] == \
        [c.code for c in issued]
    first = issued[0]
    visitor = ApiClient(client_app)
    r = visitor.get(f"/api/v1/certificates/{first.code}")
    body = r.get_json()
    assert r.status_code == 200 and body["valid"] is True and body["name"] == "Phạm T. H. N."
    assert body["kind"] == "prize" and body["prize"] == "Giải Nhất" and body["rank"] == 1 and body["score"] == 20
    assert body["digest"] == ranking.current_freeze(session, contest.id, None).digest
    assert "nhung@example.vn" not in r.get_data(as_text=True)
    page = visitor.get(f"/verify/{first.code}").get_data(as_text=True)
    assert "Giấy chứng nhận hợp lệ" in page and "Phạm T. H. N." in page and "Hồng Nhung" not in page
    assert visitor.get("/api/v1/certificates/KHONGCOMA234567A").status_code == 404
    unknown = visitor.get("/verify/KHONGCOMA234567A")
    assert unknown.status_code == 404 and "Không tìm thấy giấy chứng nhận" in unknown.get_data(as_text=True)
    # Nhung's winning attempt no longer counts (as a verdict would decide): freezing again revokes her prize,
    # Đức moves up to the first prize and gets a new certificate; his old one is revoked too.
    session.query(Attempt).filter_by(user_id=nhung.id).delete()
    session.commit()
    ranking.freeze(session, contest, None, audit.SYSTEM)
    revoked = visitor.get(f"/api/v1/certificates/{first.code}").get_json()
    assert revoked["valid"] is False
    assert "đã bị thu hồi" in visitor.get(f"/verify/{first.code}").get_data(as_text=True)
    assert visitor.get(f"/api/v1/certificates/{issued[1].code}").get_json()["valid"] is False
    [new] = certificates.issue(session, contest, None, ("prize",), audit.CLI, duc.id)
    assert new.prize == "Giải Nhất" and new.code != issued[1].code
    assert visitor.get(f"/api/v1/certificates/{new.code}").get_json()["valid"] is True
    # Hà's participation certificate still holds.
    assert visitor.get(f"/api/v1/certificates/{issued[4].code}").get_json()["valid"] is True


def test_the_zip_from_the_command_and_for_judges(app, session, client_app, contest, people, user_factory,
                                                 tmp_path):
    user_factory(role="judge", email="giamkhao@example.vn")
    out = tmp_path / "gcn.zip"
    app.config["PUBLIC_URL"] = BASE
    result = app.test_cli_runner().invoke(args=["certificates", "le-trao-giai", "--out", str(out), "--kind", "all",
                                                "--by", "giamkhao@example.vn"])
    assert result.exit_code == 0, result.output
    assert "5 certificates written" in result.output
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert len(names) == 5 and names[0].startswith("00001-giai-nhat-")
        texts = [text_of(zf.read(n)) for n in names]
    assert "Phạm Thị Hồng Nhung" in texts[0] and "Trần Thu Hà" in texts[4]
    codes = {c.code for c in session.query(Certificate)}
    assert all(any(code in t for code in codes) for t in texts)
    # The freeze issued them (its ranking.freeze entry stands for it); the judge's batch found none new.
    entry = session.query(AuditEntry).filter_by(action=audit.CERTIFICATES_ISSUE,
                                                actor_email="giamkhao@example.vn").one()
    assert entry.after["issued"] == 0
    session.rollback()  # end the test's read before the app writes (SQLite)
    bad = app.test_cli_runner().invoke(args=["certificates", "le-trao-giai", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 1
    # Judges download the round's or contest's zip; participants may not.
    judge = ApiClient.logged_in(client_app, "giamkhao@example.vn")
    r = judge.post("/api/v1/contests/le-trao-giai/certificates.zip?kind=prize")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert len(zipfile.ZipFile(io.BytesIO(r.data)).namelist()) == 2
    participant = ApiClient.logged_in(client_app, "ha@example.vn")
    assert participant.post("/api/v1/contests/le-trao-giai/certificates.zip").status_code == 403


def test_a_person_lists_and_downloads_their_own(session, client_app, contest, people):
    ha = ApiClient.logged_in(client_app, "ha@example.vn")
    mine = ha.get("/api/v1/me/certificates").get_json()["certificates"]
    assert [(c["kind"], c["prize"], c["contest"]) for c in mine] == [("participation", None, "le-trao-giai")]
    pdf = ha.get(mine[0]["url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Trần Thu Hà" in text_of(pdf.data) and mine[0]["code"] in text_of(pdf.data)
    nhung = ApiClient.logged_in(client_app, "nhung@example.vn")
    theirs = nhung.get("/api/v1/me/certificates").get_json()["certificates"]
    assert {c["kind"] for c in theirs} == {"prize", "participation"}
    assert ha.get(theirs[0]["url"]).status_code == 403  # not hers
    assert ApiClient(client_app).get(theirs[0]["url"]).status_code == 401
    page = ha.get("/me").get_data(as_text=True)
    assert "Giấy chứng nhận tham gia" in page and mine[0]["code"] in page


def test_the_ceremony_report(app, session, client_app, contest, people, user_factory, tmp_path):
    out = tmp_path / "bao-cao.pdf"
    result = app.test_cli_runner().invoke(args=["report", "le-trao-giai", "--out", str(out)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    digest = ranking.current_freeze(session, contest.id, None).digest
    for expected in ("BÁO CÁO TỔNG KẾT CUỘC THI", "Số người dự thi: 3", "Số lượt thi: 3",
                     "Số lượt đạt điểm tối đa (20/20): 1, chiếm 33,33% số lượt thi",
                     "Số lượt đạt từ 15 điểm trở lên: 3, chiếm 100,00% số lượt thi",
                     "Phạm Thị Hồng Nhung", "Giải Nhất", "Nguyễn Đức Ưng", "Giải Nhì", "Theo địa phương",
                     "Theo đơn vị"):
        assert expected in text, expected
    assert digest in text.replace("\n", "")
    # The two charts are vector drawings: their axes' titles are text.
    assert "Phân bố điểm" in text and "Số lượt thi theo ngày" in text and "Ngày" in text
    user_factory(role="judge", email="giamkhao@example.vn")
    session.rollback()
    judge = ApiClient.logged_in(client_app, "giamkhao@example.vn")
    r = judge.get("/api/v1/contests/le-trao-giai/report.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")
    assert ApiClient.logged_in(client_app, "ha@example.vn").get(
        "/api/v1/contests/le-trao-giai/report.pdf").status_code == 403


def test_an_erased_person_s_certificates_lose_the_name_and_no_longer_verify(session, client_app, contest, people):
    from quiz.accounts import privacy

    ha = people[2]
    [cert] = certificates.issue(session, contest, None, ("participation",), audit.CLI, ha.id)
    privacy.erase(session, ha, None)
    session.commit()  # the caller commits
    session.refresh(cert)
    assert cert.full_name == privacy.ERASED_NAME
    body = ApiClient(client_app).get(f"/api/v1/certificates/{cert.code}").get_json()
    assert body["valid"] is False and "Hà" not in body["name"]


def test_reads_write_nothing_and_every_freeze_issues(session, client_app, contest, user_factory):
    """GET /me and /api/v1/me/certificates only read; closing (a freeze) issues the certificates, a verdict's
    re-freeze issues the new prize and revokes the old one; issuing again adds nothing."""
    nhung = user_factory(full_name="Phạm Thị Hồng Nhung", email="nhung@example.vn")
    ha = user_factory(full_name="Trần Thu Hà", email="ha@example.vn")
    judge = user_factory(role="judge", email="giamkhao@example.vn")
    add(session, contest, nhung, 20)
    add(session, contest, ha, 15)
    hers = ApiClient.logged_in(client_app, "ha@example.vn")

    def listed(client):
        return [(c["kind"], c["prize"]) for c in client.get("/api/v1/me/certificates").get_json()["certificates"]]

    def rows():
        n = session.query(Certificate).count()
        session.rollback()  # end the test's transaction before the app's requests (SQLite)
        return n

    assert rows() == 0
    assert listed(hers) == [] and "my-certificates" not in hers.get("/me").get_data(as_text=True)
    assert rows() == 0  # nothing issued by reading
    session.rollback()
    close_now(session, contest, actor=audit.SYSTEM)
    assert rows() == 4  # two prizes, two participations
    assert listed(hers) == [("prize", "Giải Nhì"), ("participation", None)]
    assert "Giải Nhì" in hers.get("/me").get_data(as_text=True)
    assert rows() == 4
    old = certificates.mine(session, ha.id)[0].code
    session.rollback()
    set_verdict(session, contest, None, "nhung@example.vn", "disqualified", "Nhờ người thi hộ",
                audit.Actor(judge.id, judge.email), "judge")
    assert rows() == 5  # Hà's new first prize
    assert listed(hers) == [("prize", "Giải Nhất"), ("participation", None)]
    assert listed(ApiClient.logged_in(client_app, "nhung@example.vn")) == []  # revoked, not offered
    assert ApiClient(client_app).get(f"/api/v1/certificates/{old}").get_json()["valid"] is False
    assert certificates.issue_due(session, contest, None) == 0
    session.rollback()


def test_the_fast_qr_images_are_segno_s(session):
    """quiz.files.qr gives, bit for bit, the image segno draws for the same version, level and mask."""
    import secrets

    import segno

    for base in ("https://thi.example.vn", "http://127.0.0.1:5000/a-longer/path/to-the-site"):
        for _ in range(40):
            url = pdfs.verify_url(base, certificates.new_code())
            side, rows = qr.image(url)
            affine = qr._affine(url.encode()[:-16], 16, 4)
            reference = qr.picture(segno.make(url.encode(), **affine.options).matrix, 4)
            assert (side, rows) == (reference.shape[0], reference.tobytes())
    short = secrets.token_hex(4)
    assert qr.image(short)[1] == qr.picture(segno.make(short.encode(), error="m", mode="byte", micro=False,
                                                       mask=qr.MASK).matrix, 4).tobytes()


def test_the_batch_issues_participation_before_any_freeze(session, contest, user_factory):
    """A contest still open: the judges' batch issues participation certificates to everyone with a finished
    attempt (no prizes without a freeze), once."""
    for name, score in (("Trần Thu Hà", 15), ("Lê Văn Bình", 17)):
        add(session, contest, user_factory(full_name=name), score)
    first = certificates.issue(session, contest, None, certificates.KINDS, audit.CLI)
    assert [(c.kind, c.full_name) for c in first] == [("participation", "Lê Văn Bình"),
                                                      ("participation", "Trần Thu Hà")]
    assert [c.code for c in certificates.issue(session, contest, None, certificates.KINDS, audit.CLI)] == \
        [c.code for c in first]
    assert certificates.issue_due(session, contest, None) == 0
    session.rollback()

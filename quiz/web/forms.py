"""Page forms (Flask-WTF: CSRF included). Field rules come from quiz.accounts.users.validate_profile."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, NumberRange, Optional, ValidationError

from quiz import places


class PlacePicker:
    """The province-then-ward picker (templates/_place_picker.html, static/places.js): the ward list is that
    of the chosen province, filled by the script from GET /api/v1/localities, or by the server when the form
    comes back with only a province (no JavaScript). Choices are set by ``offer_places``; the code is checked
    by quiz.accounts.users.locality_problem, so a stale list never gives an English "Not a valid choice"."""
    province = SelectField(_l("Tỉnh, thành phố"), validate_choice=False)
    locality_code = SelectField(_l("Xã, phường, đặc khu"), validate_choice=False)


def offer_places(form, province_code: str | None = None, locality_code: str | None = None) -> None:
    """Fill the picker's choices: every province, and the wards of the chosen one (from the ward when given)."""
    ward = places.ward(locality_code) if locality_code else None
    if ward is not None:
        province_code = ward.province.code
    form.province.choices = [SelectChoice("", _l("— Chọn tỉnh, thành phố —"))] + [
        SelectChoice(p.code, p.name) for p in places.provinces()]
    wards = places.wards(province_code) or ()
    form.locality_code.choices = [SelectChoice("", _l("— Chọn xã, phường —")
                                                   if wards else _l("— Chọn tỉnh trước —"))] + [
        SelectChoice(w.code, w.name) for w in wards]
    form.province.data = province_code if places.province(province_code) else ""
    form.locality_code.data = ward.code if ward else ""


class RegisterForm(PlacePicker, FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Vui lòng nhập họ và tên."))])
    # An email, a mobile number or both (quiz.accounts.users.validate_profile says when neither is given).
    email = EmailField(_l("Email (có thể để trống nếu nhập số điện thoại)"))
    password = PasswordField(_l("Mật khẩu (ít nhất 8 ký tự)"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu"),
                            validators=[EqualTo("password", _l("Hai mật khẩu không khớp."))])
    phone = TelField(_l("Số điện thoại di động (có thể dùng để đăng nhập)"))
    unit = StringField(_l("Đơn vị (hợp tác xã, cơ quan)"))
    locality = StringField(_l("Địa phương (xã/phường, tỉnh/thành phố)"))  # the API's free text; the page picks a ward
    # Checked in the view (quiz.accounts.users.create_user): its message joins the other fields' at once.
    consent = BooleanField(_l("Tôi đã đọc và đồng ý với Thông báo xử lý dữ liệu cá nhân"))


class ConsentForm(FlaskForm):
    consent = BooleanField(_l("Tôi đã đọc và đồng ý với Thông báo xử lý dữ liệu cá nhân"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu của bạn"),
                             validators=[DataRequired(_l("Vui lòng nhập mật khẩu để xác nhận."))])


class LoginForm(FlaskForm):
    # Named "email" as before (links, scripts and password managers know it); it takes a mobile number too.
    email = StringField(_l("Email hoặc số điện thoại"),
                        validators=[DataRequired(_l("Vui lòng nhập email hoặc số điện thoại."))])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))])
    remember = BooleanField(_l("Ghi nhớ đăng nhập"))


class ActionForm(FlaskForm):
    """A button that POSTs with a CSRF token (start attempt, log out)."""


class QuestionForm(FlaskForm):
    chapter = IntegerField(_l("Chương"), validators=[DataRequired(_l("Chọn chương.")),
                                                 NumberRange(1, 12, _l("Chương từ 1 đến 12."))])
    article = StringField(_l("Điều (ví dụ: khoản 2 Điều 8)"), validators=[DataRequired(_l("Nhập điều luật."))])
    text = TextAreaField(_l("Câu hỏi"), validators=[DataRequired(_l("Nhập nội dung câu hỏi."))])
    option_a = StringField(_l("Phương án A"))
    option_b = StringField(_l("Phương án B"))
    option_c = StringField(_l("Phương án C"))
    option_d = StringField(_l("Phương án D"))
    option_e = StringField(_l("Phương án E"))
    option_f = StringField(_l("Phương án F"))
    correct = SelectField(_l("Đáp án đúng"), choices=[SelectChoice(c, c) for c in "ABCDEF"])
    explanation = TextAreaField(_l("Giải thích"), validators=[DataRequired(_l("Nhập giải thích."))])
    source_quote = TextAreaField(_l("Trích dẫn nguyên văn điều luật (source_quote)"))


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp câu hỏi (.csv, .xlsx, GIFT .gift hoặc Aiken .txt)"),
                     validators=[FileRequired(_l("Chọn một tệp.")),
                                 FileAllowed(["csv", "xlsx", "gift", "txt"], _l("Chỉ nhận .csv, .xlsx, .gift, .txt."))])
    kind = SelectField(_l("Định dạng tệp .txt"), default="aiken",
                       choices=[SelectChoice("aiken", "Aiken"), SelectChoice("gift", "GIFT")])
    chapter = IntegerField(_l("Chương (cho tệp GIFT/Aiken)"),
                           validators=[Optional(), NumberRange(1, 12, _l("Chương từ 1 đến 12."))])
    article = StringField(_l("Điều (cho tệp GIFT/Aiken)"))


class UnitsUploadForm(FlaskForm):
    file = FileField(_l("Tệp danh mục đơn vị (.csv hoặc .xlsx: cột code, name, locality_code, headcount)"),
                     validators=[FileRequired(_l("Chọn một tệp.")),
                                 FileAllowed(["csv", "xlsx"], _l("Chỉ nhận .csv, .xlsx."))])


class UnitForm(FlaskForm):
    name = StringField(_l("Tên đơn vị"))
    locality_code = StringField(_l("Mã phường, xã (5 chữ số, có thể để trống)"))
    headcount = StringField(_l("Số thành viên, người lao động (có thể để trống)"))


class OrganizationForm(FlaskForm):
    """An organization's page form; the domain (quiz.contest.organizations) checks every value."""
    slug = StringField(_l("Mã tổ chức (chữ thường không dấu, số, dấu “-”; không đổi được sau khi tạo)"))
    name = StringField(_l("Tên tổ chức"))
    contact = TextAreaField(_l("Liên hệ (địa chỉ, điện thoại, email: hiện trên trang các cuộc thi)"))
    logo = FileField(_l("Biểu trưng (ảnh PNG hoặc JPEG, tối đa 1 MB)"),
                     validators=[FileAllowed(["png", "jpg", "jpeg"], _l("Chỉ nhận ảnh .png, .jpg, .jpeg."))])
    remove_logo = BooleanField(_l("Bỏ biểu trưng hiện có"))


class MoveForm(FlaskForm):
    contest = StringField(_l("Mã cuộc thi (slug)"))
    email = StringField(_l("Email người dự thi"))
    unit_code = StringField(_l("Mã đơn vị mới"))


class CountField(IntegerField):
    """A whole number, with the message in Vietnamese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Nhập một số nguyên.")) from None


class PlanRow(Form):
    """A row of the chapter plan table: a chapter ("3") or a group of chapters ("8-12") and how many to draw."""
    part = HiddenField()
    count = CountField(_l("Số câu rút"), validators=[Optional(), NumberRange(0, 200, _l("Từ 0 đến 200."))])


class TierRow(Form):
    """A row of the prize tiers: the prize's name and how many people win it; a blank row is skipped."""
    name = StringField(_l("Tên giải"), filters=[lambda v: v.strip() if isinstance(v, str) else v])
    count = CountField(_l("Số người"), validators=[Optional()])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.name.data and "," in self.name.data:
            self.name.errors = [*self.name.errors, _l("Tên giải không được có dấu phẩy.")]
        elif self.name.data and self.count.data is None and not self.count.errors:
            self.count.errors = [*self.count.errors, _l("Nhập số người nhận giải.")]
        elif not self.name.data and self.count.data is not None:
            self.name.errors = [*self.name.errors, _l("Nhập tên giải.")]
        else:
            return ok
        return False


def tier_items(tiers: FieldList) -> tuple[str, list]:
    """The filled tier rows as the tiers' compact text (prizes.format_tiers, what prizes.parse_tiers reads)
    and the rows in the order of its items."""
    from quiz.contest.prizes import format_tiers

    rows = [row for row in tiers if row.form.name.data or row.form.count.data is not None]
    return format_tiers([[row.form.count.data, row.form.name.data] for row in rows]), rows


def blank_rows(tiers: FieldList, spare: int = 3) -> None:
    """Room for new prizes: ``spare`` empty rows after the filled ones (the page's script adds more)."""
    filled = sum(1 for row in tiers if row.form.name.data or row.form.count.data is not None)
    while len(tiers) < filled + spare:
        tiers.append_entry()


# The collective rules (quiz.contest.collective.RULES) as the forms offer them.
COLLECTIVE_RULES = [
    SelectChoice("participants", _l("Số người dự thi (mỗi người tính một lần)")),
    SelectChoice("participation_rate", _l("Tỷ lệ tham gia (số người dự thi / số thành viên của đơn vị)")),
    SelectChoice("mean_best", _l("Điểm trung bình (bài tốt nhất của mỗi người)"))]


class ContestForm(FlaskForm):
    slug = StringField(_l("Mã cuộc thi (chữ thường không dấu, ví dụ: tuan-1)"),
                       validators=[DataRequired(_l("Nhập mã."))])
    title = StringField(_l("Tên cuộc thi"), validators=[DataRequired(_l("Nhập tên cuộc thi."))])
    description = TextAreaField(_l("Mô tả"))
    opens_at = DateTimeLocalField(_l("Mở lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(_l("Nhập thời điểm mở (ngày và giờ)."))])
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("Nhập thời điểm đóng (ngày và giờ)."))])
    question_count = IntegerField(_l("Số câu hỏi (để trống: theo cơ cấu đề, hoặc 20)"), validators=[Optional()])
    time_limit_min = IntegerField(_l("Thời gian làm bài (phút)"), default=20,
                                  validators=[DataRequired(_l("Nhập thời gian làm bài.")),
                                              NumberRange(1, 1440, _l("Từ 1 đến 1440 phút."))])
    max_attempts = IntegerField(_l("Số lượt tối đa mỗi người"), default=3,
                                validators=[DataRequired(_l("Nhập số lượt.")),
                                            NumberRange(1, 1000, _l("Từ 1 đến 1000."))])
    review_policy = SelectField(_l("Xem lại đáp án"), default="after_submit", choices=[
        SelectChoice("after_submit", _l("Ngay sau khi nộp bài")),
        SelectChoice("after_close", _l("Khi cuộc thi kết thúc")),
        SelectChoice("never", _l("Không cho xem"))])
    plan_mode = RadioField(_l("Cơ cấu đề"), default="default", choices=[
        SelectChoice("default", _l("Mặc định: chia số câu theo số điều luật của từng chương")),
        SelectChoice("chapters", _l("Tự chọn số câu rút từ từng chương (bảng dưới đây)"))])
    plan = FieldList(FormField(PlanRow))
    prize_tiers = FieldList(FormField(TierRow))
    one_prize_per_person = BooleanField(_l("Mỗi người chỉ nhận giải ở một vòng (giải chuyển cho người kế tiếp)"))
    practice = BooleanField(_l("Thi thử: không giới hạn lượt, không xếp hạng, không giải, không giấy chứng nhận; "
                               "xem đáp án ngay sau mỗi lần nộp bài"))
    # Collective prizes (quiz.contest.collective): the rule, the minimum and the tiers as rows.
    collective_rule = SelectField(_l("Xếp hạng đơn vị theo"), default="participants",
                                  choices=COLLECTIVE_RULES)
    collective_min = IntegerField(_l("Số người dự thi tối thiểu để đơn vị được xếp hạng"), default=1,
                                  validators=[DataRequired(_l("Nhập số người tối thiểu.")),
                                              NumberRange(1, 100_000, _l("Từ 1 đến 100.000."))])
    collective_tiers = FieldList(FormField(TierRow))

    def validate_plan_mode(self, field):
        if field.data == "chapters" and not any(row.form.count.data for row in self.plan):
            raise ValidationError(_l("Điền số câu cho ít nhất một chương, hoặc chọn cơ cấu mặc định."))

    def blueprint_text(self) -> str | None:
        """The table as the plan's compact text ("1:3,8-12:2", what chapter_plan.parse_plan reads); None for
        the default plan."""
        if self.plan_mode.data != "chapters":
            return None
        return ",".join(f"{row.form.part.data}:{row.form.count.data}" for row in self.plan if row.form.count.data)
    # Choices are the organizations (quiz.web.organizer.contests), checked there: only platform staff see it.
    organization = SelectField(_l("Tổ chức thực hiện"), choices=[], validate_choice=False)
    rules = TextAreaField(_l("Thể lệ cuộc thi (Markdown: # tiêu đề, **đậm**, - danh sách, [liên kết](https://...); "
                          "để trống nếu không có)"))


class AccommodationForm(FlaskForm):
    """One person's extra time and attempts in a contest (quiz.contest.accommodations); 0 and 0 removes them."""

    email = EmailField(_l("Email của người dự thi"), validators=[DataRequired(_l("Nhập email."))])
    extra_time_min = IntegerField(_l("Thêm thời gian làm bài (phút)"), default=0,
                                  validators=[Optional(), NumberRange(0, 1440, _l("Từ 0 đến 1440 phút."))])
    extra_attempts = IntegerField(_l("Thêm lượt thi"), default=0,
                                  validators=[Optional(), NumberRange(0, 1000, _l("Từ 0 đến 1000."))])


class RoundForm(FlaskForm):
    number = IntegerField(_l("Vòng số"),
                          validators=[DataRequired(_l("Nhập số vòng.")), NumberRange(1, 1000, _l("Từ 1 đến 1000."))])
    title = StringField(_l("Tên vòng (ví dụ: Tuần 1)"))
    opens_at = DateTimeLocalField(_l("Mở lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(_l("Nhập thời điểm mở (ngày và giờ)."))])
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(_l("Nhập thời điểm đóng (ngày và giờ)."))])
    max_attempts = IntegerField(_l("Số lượt tối đa mỗi người (để trống: như cuộc thi)"),
                                validators=[Optional(), NumberRange(1, 1000, _l("Từ 1 đến 1000."))])
    prize_tiers = FieldList(FormField(TierRow))
    # The round's own collective settings (quiz.contest.collective); left empty: the contest's.
    collective_rule = SelectField(_l("Xếp hạng đơn vị của vòng theo"), default="",
                                  choices=[SelectChoice("", _l("Như cuộc thi")), *COLLECTIVE_RULES])
    collective_min = IntegerField(_l("Số người dự thi tối thiểu để đơn vị được xếp hạng (để trống: như "
                                               "cuộc thi)"),
                                  validators=[Optional(), NumberRange(1, 100_000, _l("Từ 1 đến 100.000."))])
    collective_tiers = FieldList(FormField(TierRow))


class ForgotPasswordForm(FlaskForm):
    email = StringField(_l("Email hoặc số điện thoại đã dùng để đăng ký"),
                        validators=[DataRequired(_l("Vui lòng nhập email hoặc số điện thoại."))])


class SmsResetForm(FlaskForm):
    """The code sent by SMS (quiz.accounts.sms_reset) and the new password."""
    phone = TelField(_l("Số điện thoại"), validators=[DataRequired(_l("Vui lòng nhập số điện thoại."))])
    code = StringField(_l("Mã xác nhận (6 chữ số)"), validators=[DataRequired(_l("Vui lòng nhập mã xác nhận."))])
    password = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự)"),
                             validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[EqualTo("password", _l("Hai mật khẩu không khớp."))])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự)"),
                             validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[EqualTo("password", _l("Hai mật khẩu không khớp."))])


class ProfileForm(PlacePicker, FlaskForm):
    unit = StringField(_l("Đơn vị (hợp tác xã, cơ quan)"))
    phone = TelField(_l("Số điện thoại di động"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"),
                                     validators=[DataRequired(_l("Vui lòng nhập mật khẩu hiện tại."))])
    new_password = PasswordField(_l("Mật khẩu mới (ít nhất 8 ký tự)"),
                                 validators=[DataRequired(_l("Vui lòng nhập mật khẩu mới."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[EqualTo("new_password", _l("Hai mật khẩu không khớp."))])

"""Page forms (Flask-WTF: CSRF included). Field rules come from quiz.accounts.users.validate_profile."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, NumberRange, Optional


class RegisterForm(FlaskForm):
    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên.")])
    email = EmailField("Email", validators=[DataRequired("Vui lòng nhập email.")])
    password = PasswordField("Mật khẩu (ít nhất 8 ký tự)", validators=[DataRequired("Vui lòng nhập mật khẩu.")])
    confirm = PasswordField("Nhập lại mật khẩu",
                            validators=[EqualTo("password", "Hai mật khẩu không khớp.")])
    phone = TelField("Số điện thoại")
    unit = StringField("Đơn vị (hợp tác xã, cơ quan)")
    locality = StringField("Địa phương (xã/phường, tỉnh/thành phố)")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Vui lòng nhập email.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")])
    remember = BooleanField("Ghi nhớ đăng nhập")


class ActionForm(FlaskForm):
    """A button that POSTs with a CSRF token (start attempt, log out)."""


class QuestionForm(FlaskForm):
    chapter = IntegerField("Chương", validators=[DataRequired("Chọn chương."),
                                                 NumberRange(1, 12, "Chương từ 1 đến 12.")])
    article = StringField("Điều (ví dụ: khoản 2 Điều 8)", validators=[DataRequired("Nhập điều luật.")])
    text = TextAreaField("Câu hỏi", validators=[DataRequired("Nhập nội dung câu hỏi.")])
    option_a = StringField("Phương án A")
    option_b = StringField("Phương án B")
    option_c = StringField("Phương án C")
    option_d = StringField("Phương án D")
    option_e = StringField("Phương án E")
    option_f = StringField("Phương án F")
    correct = SelectField("Đáp án đúng", choices=[SelectChoice(c, c) for c in "ABCDEF"])
    explanation = TextAreaField("Giải thích", validators=[DataRequired("Nhập giải thích.")])
    source_quote = TextAreaField("Trích dẫn nguyên văn điều luật (source_quote)")


class UploadForm(FlaskForm):
    file = FileField("Tệp câu hỏi (.csv, .xlsx, GIFT .gift hoặc Aiken .txt)",
                     validators=[FileRequired("Chọn một tệp."),
                                 FileAllowed(["csv", "xlsx", "gift", "txt"], "Chỉ nhận .csv, .xlsx, .gift, .txt.")])
    kind = SelectField("Định dạng tệp .txt", default="aiken",
                       choices=[SelectChoice("aiken", "Aiken"), SelectChoice("gift", "GIFT")])
    chapter = IntegerField("Chương (cho tệp GIFT/Aiken)",
                           validators=[Optional(), NumberRange(1, 12, "Chương từ 1 đến 12.")])
    article = StringField("Điều (cho tệp GIFT/Aiken)")


class ContestForm(FlaskForm):
    slug = StringField("Mã cuộc thi (chữ thường không dấu, ví dụ: tuan-1)", validators=[DataRequired("Nhập mã.")])
    title = StringField("Tên cuộc thi", validators=[DataRequired("Nhập tên cuộc thi.")])
    description = TextAreaField("Mô tả")
    opens_at = DateTimeLocalField("Mở lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired("Nhập thời điểm mở (ngày và giờ).")])
    closes_at = DateTimeLocalField("Đóng lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("Nhập thời điểm đóng (ngày và giờ).")])
    question_count = IntegerField("Số câu hỏi (để trống: theo cơ cấu đề, hoặc 20)", validators=[Optional()])
    time_limit_min = IntegerField("Thời gian làm bài (phút)", default=20,
                                  validators=[DataRequired("Nhập thời gian làm bài."),
                                              NumberRange(1, 1440, "Từ 1 đến 1440 phút.")])
    max_attempts = IntegerField("Số lượt tối đa mỗi người", default=3,
                                validators=[DataRequired("Nhập số lượt."), NumberRange(1, 1000, "Từ 1 đến 1000.")])
    review_policy = SelectField("Xem lại đáp án", default="after_submit", choices=[
        SelectChoice("after_submit", "Ngay sau khi nộp bài"), SelectChoice("after_close", "Khi cuộc thi kết thúc"),
        SelectChoice("never", "Không cho xem")])
    blueprint = StringField("Cơ cấu đề: số câu mỗi chương (để trống: mặc định 1:3,2:2,3:2,4:3,5:3,6:3,7:2,8-12:2)")
    prize_tiers = StringField("Cơ cấu giải (ví dụ: 1:Giải Nhất,2:Giải Nhì,3:Giải Ba,5:Khuyến khích)")
    # Choices are the organizations (quiz.web.organizer.contests), checked there: only platform staff see it.
    organization = SelectField("Tổ chức thực hiện", choices=[], validate_choice=False)
    rules = TextAreaField("Thể lệ cuộc thi (Markdown: # tiêu đề, **đậm**, - danh sách, [liên kết](https://...); "
                          "để trống nếu không có)")


class RoundForm(FlaskForm):
    number = IntegerField("Vòng số", validators=[DataRequired("Nhập số vòng."), NumberRange(1, 1000, "Từ 1 đến 1000.")])
    title = StringField("Tên vòng (ví dụ: Tuần 1)")
    opens_at = DateTimeLocalField("Mở lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired("Nhập thời điểm mở (ngày và giờ).")])
    closes_at = DateTimeLocalField("Đóng lúc (giờ Việt Nam)", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("Nhập thời điểm đóng (ngày và giờ).")])
    max_attempts = IntegerField("Số lượt tối đa mỗi người (để trống: như cuộc thi)",
                                validators=[Optional(), NumberRange(1, 1000, "Từ 1 đến 1000.")])
    prize_tiers = StringField("Cơ cấu giải của vòng (để trống: như cuộc thi)")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email đã dùng để đăng ký", validators=[DataRequired("Vui lòng nhập email.")])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("Mật khẩu mới (ít nhất 8 ký tự)", validators=[DataRequired("Vui lòng nhập mật khẩu mới.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[EqualTo("password", "Hai mật khẩu không khớp.")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Mật khẩu hiện tại",
                                     validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")])
    new_password = PasswordField("Mật khẩu mới (ít nhất 8 ký tự)",
                                 validators=[DataRequired("Vui lòng nhập mật khẩu mới.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[EqualTo("new_password", "Hai mật khẩu không khớp.")])

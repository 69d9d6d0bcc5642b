"""Page forms (Flask-WTF: CSRF included). Field rules come from accounts.validate_profile."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, StringField, TelField
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


class SubmitForm(FlaskForm):
    prediction = IntegerField("Dự đoán", validators=[Optional(), NumberRange(0, 10**9, "Số không âm.")])

"""Forms for signing in, registering and changing a password (Flask-WTF, CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from app.services.users import EMAIL_RE, MIN_PASSWORD_LENGTH

PASSWORD_RULE = f"Use at least {MIN_PASSWORD_LENGTH} characters (and at most 200)."


def new_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                                                                   message=PASSWORD_RULE)])


def repeat_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(), EqualTo("password", "The passwords differ")])


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class RegisterForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254),
                                             Regexp(EMAIL_RE, message="Enter a valid e-mail address")])
    password = new_password("Password")
    confirm = repeat_password("Repeat the password")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = new_password("New password")
    confirm = repeat_password("Repeat the new password")

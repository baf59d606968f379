"""Forms for signing in, registering and changing a password (Flask-WTF, CSRF included)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from ..services.users import EMAIL_RE, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class RegisterForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254),
                                             Regexp(EMAIL_RE, message="Enter a valid e-mail address")])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField("Repeat the password", validators=[DataRequired(), EqualTo("password",
                                                                                       "The passwords differ")])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    confirm = PasswordField("Repeat the new password", validators=[DataRequired(),
                                                                   EqualTo("password", "The passwords differ")])

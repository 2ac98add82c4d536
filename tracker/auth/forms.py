from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from tracker.auth.services import PASSWORD_MIN
from tracker.bottlenecks.forms import CheckboxListField

LANGUAGE_CHOICES = [("nl", "Nederlands"), ("en", "English")]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)],
        description=_l("At least %(n)d characters.", n=PASSWORD_MIN),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


DELIVERY_CHOICES = [
    ("immediate", _l("Each e-mail at once")),
    ("daily", _l("A daily summary")),
    ("weekly", _l("A weekly summary")),
    ("off", _l("No e-mail (invitations, password resets and very overdue escalations still come)")),
]


class AccountForm(FlaskForm):
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    delivery = SelectField(
        _l("E-mail about my bottlenecks and escalations"), choices=DELIVERY_CHOICES
    )


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    is_admin = BooleanField(_l("Programme staff (admin)"))
    active = BooleanField(_l("Active"), default=True)
    dsv_ids = CheckboxListField(_l("Coordinator of DSVs"), coerce=int)
    party_ids = CheckboxListField(_l("Liaison of parties"), coerce=int)

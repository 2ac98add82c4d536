from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from tracker.bottlenecks.forms import CheckboxListField
from tracker.core.forms import coerce_optional_int
from tracker.digests.models import CADENCE_LABELS
from tracker.directory.models import PHASE_LABELS

PHASE_CHOICES = [("", _l("Not set")), *((p.value, label) for p, label in PHASE_LABELS.items())]


class PartyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    table_contact_email = EmailField(
        _l("Table contact e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )
    answer_working_days = IntegerField(
        _l("Answer deadline (working days)"),
        default=20,
        validators=[DataRequired(), NumberRange(min=1, max=120)],
    )
    digest_cadence = SelectField(
        _l("Road-block digest"), choices=[(c.value, label) for c, label in CADENCE_LABELS.items()]
    )


class NetworkForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )
    coordinating_party_id = SelectField(
        _l("Coordinating party"), coerce=coerce_optional_int, validators=[Optional()]
    )


class DsvForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    region = StringField(_l("Region"), validators=[Length(max=160)])
    municipalities = TextAreaField(
        _l("Municipalities"), validators=[Length(max=4000)], render_kw={"rows": 2}
    )
    phase = SelectField(_l("Phase (self-declared)"), choices=PHASE_CHOICES, validators=[Optional()])
    network_ids = CheckboxListField(_l("Networks"), coerce=int)
    domain_ids = CheckboxListField(_l("Participating domains"), coerce=int)


class RegistryUploadForm(FlaskForm):
    """A registry CSV to check (dry run); size and type are checked by the view."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a file."))])


class RegistryApplyForm(FlaskForm):
    """The checked file carried back unchanged (base64) with its SHA-256, to be applied."""

    content = HiddenField(validators=[DataRequired()])
    digest = HiddenField(validators=[DataRequired(), Length(min=64, max=64)])

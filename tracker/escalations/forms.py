from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.bottlenecks.forms import CheckboxListField
from tracker.core.forms import OnceForm, version_field
from tracker.escalations.models import REQUEST_MAX


class EscalateForm(OnceForm):
    party_ids = CheckboxListField(
        _l("National parties"),
        coerce=int,
        validators=[DataRequired(_l("Choose at least one party."))],
    )
    request = TextAreaField(
        _l("What do you ask of the party?"),
        validators=[DataRequired(), Length(max=REQUEST_MAX)],
        render_kw={"rows": 6},
    )


class ActionForm(FlaskForm):
    """One form for every workflow action; the transition table says whether a note is needed."""

    version = version_field()
    note = TextAreaField(
        _l("Note"), validators=[Optional(), Length(max=REQUEST_MAX)], render_kw={"rows": 6}
    )


class ForwardForm(ActionForm):
    party_id = SelectField(_l("Forward to"), coerce=int, validators=[DataRequired()])

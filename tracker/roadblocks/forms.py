from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.bottlenecks.forms import CheckboxListField
from tracker.core.forms import OnceForm, coerce_optional_int, version_field
from tracker.roadblocks.models import STATUS_LABELS


class RoadBlockForm(OnceForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000)], render_kw={"rows": 5}
    )
    building_block_id = SelectField(_l("Building block"), coerce=int, validators=[InputRequired()])
    party_id = SelectField(
        _l("Owning national party"), coerce=coerce_optional_int, validators=[Optional()]
    )
    bottleneck_ids = CheckboxListField(
        _l("Bottlenecks from the DSVs"),
        coerce=int,
        validators=[DataRequired(_l("Choose at least one."))],
    )


class AddBottlenecksForm(FlaskForm):
    search = HiddenField()  # the search that listed the choices, to list them again on submit
    bottleneck_ids = CheckboxListField(
        _l("Add bottlenecks"), coerce=int, validators=[DataRequired(_l("Choose at least one."))]
    )


class StatusForm(FlaskForm):
    version = version_field()
    status = SelectField(
        _l("Status"), choices=[(s.value, label) for s, label in STATUS_LABELS.items()]
    )

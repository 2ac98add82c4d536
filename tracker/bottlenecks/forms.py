from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.bottlenecks.models import DESCRIPTION_MAX, IMPACT_LABELS, TITLE_MAX, Impact
from tracker.core.forms import OnceForm, coerce_optional_int, version_field


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BottleneckForm(FlaskForm):
    """The fields a DSV member fills in; the DSV itself is chosen only when logging."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(), Length(max=DESCRIPTION_MAX)],
        render_kw={"rows": 8},
    )
    building_block_id = SelectField(_l("Building block"), coerce=int, validators=[InputRequired()])
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[InputRequired()])
    impact = SelectField(_l("Impact"), choices=list(IMPACT_LABELS.items()), default=Impact.MEDIUM)
    domain_ids = CheckboxListField(_l("Domains involved"), coerce=int)
    is_confidential = BooleanField(_l("Confidential: only my DSV and the addressed parties see it"))


class NewBottleneckForm(OnceForm, BottleneckForm):
    dsv_id = SelectField(_l("DSV"), coerce=int, validators=[InputRequired()])


class EditBottleneckForm(BottleneckForm):
    version = version_field()


class CommentForm(OnceForm):
    body = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(), Length(max=DESCRIPTION_MAX)],
        render_kw={"rows": 3},
    )


class FilterForm(FlaskForm):
    """The list filters; read from the query string, so no CSRF."""

    class Meta:
        csrf = False

    q = HiddenField()
    block = SelectField(_l("Building block"), coerce=coerce_optional_int, validators=[Optional()])
    network = SelectField(_l("Network"), coerce=coerce_optional_int, validators=[Optional()])
    party = SelectField(_l("Party"), coerce=coerce_optional_int, validators=[Optional()])
    dsv = SelectField(_l("DSV"), coerce=coerce_optional_int, validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    mine = BooleanField(_l("Only my DSVs"))
    late = SelectField(
        _l("Deadline"),
        validators=[Optional()],
        choices=[
            ("", _l("Any deadline")),
            ("late", _l("Late (past the deadline)")),
            ("very_late", _l("Very late (past twice the deadline)")),
        ],
    )
    page = IntegerField(default=1, validators=[Optional()])

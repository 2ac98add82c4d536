from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.core.forms import OnceForm, coerce_optional_int
from tracker.duplicates.models import CONTEXT_MAX


class CosignForm(OnceForm):
    dsv_id = SelectField(_l("On behalf of"), coerce=int, validators=[InputRequired()])
    context = TextAreaField(
        _l("Your DSV's context"),
        description=_l("How this plays out in your region: who is affected, what you tried."),
        validators=[DataRequired(), Length(max=CONTEXT_MAX)],
        render_kw={"rows": 5},
    )


class MergeForm(OnceForm):
    target_id = RadioField(
        _l("Similar bottlenecks"), coerce=coerce_optional_int, validators=[Optional()]
    )
    target_number = IntegerField(
        _l("Or the number of another bottleneck"),
        description=_l("The number is in the bottleneck's web address: /bottlenecks/123."),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
    )

    def chosen(self) -> int | None:
        return self.target_number.data or self.target_id.data

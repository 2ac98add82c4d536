"""Event forms: local date and times, one organiser, audience, agenda, close-out."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.bottlenecks.forms import CheckboxListField
from tracker.core.forms import OnceForm, coerce_optional_int, version_field
from tracker.events.models import AUDIENCE_LABELS, KIND_LABELS
from tracker.events.services import EventInput


class EventForm(OnceForm):
    kind = SelectField(
        _l("Kind of event"), choices=[(k.value, label) for k, label in KIND_LABELS.items()]
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[Length(max=5000)], render_kw={"rows": 5}
    )
    organiser = SelectField(_l("Organiser"), validators=[InputRequired()])
    day = DateField(
        _l("Date"),
        validators=[InputRequired(_l("Give a date, e.g. 2027-03-15."))],
        description=_l("Times are Dutch local time (Europe/Amsterdam)."),
    )
    start = TimeField(_l("Start time"), validators=[InputRequired(_l("Give a time, e.g. 13:30."))])
    end = TimeField(_l("End time"), validators=[InputRequired(_l("Give a time, e.g. 16:00."))])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    online_url = StringField(
        _l("Online link"),
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("The online link must start with http:// or https://.")),
        ],
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1, message=_l("At least 1, or leave empty."))],
        description=_l("Leave empty for unlimited seats."),
    )
    audience = SelectField(
        _l("Who may register"), choices=[(a.value, label) for a, label in AUDIENCE_LABELS.items()]
    )
    audience_network_id = SelectField(
        _l("Network (for a network audience)"), coerce=coerce_optional_int, validators=[Optional()]
    )
    invitee_ids = SelectMultipleField(
        _l("Invited people (for an invitation-only event)"), coerce=int, validators=[Optional()]
    )

    def to_input(self) -> EventInput:
        kind, _, ident = (self.organiser.data or "").partition(":")
        organiser = int(ident) if ident.isdigit() else None
        return EventInput(
            kind=self.kind.data,
            title=self.title.data,
            description=self.description.data or "",
            day=self.day.data,
            start=self.start.data,
            end=self.end.data,
            organiser_party_id=organiser if kind == "party" else None,
            organiser_network_id=organiser if kind == "network" else None,
            place=self.place.data or "",
            online_url=self.online_url.data or "",
            capacity=self.capacity.data,
            audience=self.audience.data,
            audience_network_id=self.audience_network_id.data,
            invitee_ids=list(self.invitee_ids.data or []),
        )


class EditEventForm(EventForm):
    version = version_field()


class VersionForm(FlaskForm):
    version = version_field()


class AgendaForm(FlaskForm):
    search = HiddenField()  # the search that listed the choices, to list them again on submit
    subject = SelectField(_l("Road block or bottleneck"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])

    def subject_ids(self) -> tuple[int | None, int | None]:
        kind, _, ident = (self.subject.data or "").partition(":")
        value = int(ident) if ident.isdigit() else None
        return (value if kind == "road_block" else None, value if kind == "bottleneck" else None)


class CloseOutForm(FlaskForm):
    version = version_field()
    attended = CheckboxListField(_l("Attended"), coerce=int, validators=[Optional()])
    report = TextAreaField(
        _l("Short report"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 6}
    )


class ActionForm(OnceForm):
    title = StringField(_l("Follow-up action"), validators=[DataRequired(), Length(max=200)])
    owner = SelectField(_l("Owner"), validators=[InputRequired()])
    due = DateField(
        _l("Due date"),
        validators=[InputRequired(_l("Give a date, e.g. 2027-03-15."))],
        description=_l("Due at 17:00 that day."),
    )
    road_block_id = SelectField(
        _l("Road block on the agenda"), coerce=coerce_optional_int, validators=[Optional()]
    )

"""The period filter: from-month and to-month (YYYY-MM, Amsterdam calendar)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import Optional, ValidationError

from tracker.insights.period import MAX_MONTHS, Period, add_months, months_between


def _month(field: Field) -> date | None:
    try:
        parsed = datetime.strptime((field.data or "").strip(), "%Y-%m")
    except ValueError:
        raise ValidationError(_l("Enter a month as YYYY-MM, for example 2026-01.")) from None
    if not 2000 <= parsed.year <= 2100:
        raise ValidationError(_l("Enter a month between 2000 and 2100."))
    return parsed.date()


class PeriodForm(FlaskForm):
    """Read from the query string, so no CSRF. Empty fields mean the last 12 months."""

    class Meta:
        csrf = False

    from_month = StringField(
        _l("From month"), validators=[Optional()], render_kw={"type": "month"}, name="from"
    )
    to_month = StringField(
        _l("To month"), validators=[Optional()], render_kw={"type": "month"}, name="to"
    )

    def validate_from_month(self, field: Field) -> None:
        _month(field)

    def validate_to_month(self, field: Field) -> None:
        _month(field)

    def period(self, now: datetime) -> Period | None:
        """The chosen period, or None (with the errors on the fields) when it makes no sense."""
        if not self.validate():
            return None
        default = Period.last_twelve_months(now)
        first = _month(self.from_month) if self.from_month.data else None
        last = _month(self.to_month) if self.to_month.data else None
        if first is None and last is not None:
            first = add_months(last, -11)
        period = Period(first or default.first, last or default.last)
        if period.first > period.last:
            self.to_month.errors = [_l("The end month must not be before the start month.")]
            return None
        if months_between(period.first, period.last) > MAX_MONTHS:
            self.to_month.errors = [
                _l("Choose at most %(months)d months.", months=MAX_MONTHS),
            ]
            return None
        # Show the period in effect, also when it was the default.
        self.from_month.data = period.first.strftime("%Y-%m")
        self.to_month.data = period.last.strftime("%Y-%m")
        return period

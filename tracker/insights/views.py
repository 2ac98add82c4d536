"""The overview for national parties and programme staff: charts, response times, congestion.

Everyone signed in may look; every figure is computed over what the viewer may see.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date, format_percent
from flask_login import current_user, login_required

from tracker import authz
from tracker.core.csv import csv_response
from tracker.core.timeutil import utcnow
from tracker.insights import charts, exports, queries
from tracker.insights.congestion import congestion as congestion_lists
from tracker.insights.forms import PeriodForm
from tracker.insights.period import Period

bp = Blueprint("insights", __name__, url_prefix="/insights")


@bp.before_request
@login_required
def _signed_in_only():
    authz.require(current_user, "insights.view")


def _period() -> tuple[PeriodForm, Period | None]:
    form = PeriodForm(request.args)
    return form, form.period(utcnow())


@bp.get("/")
def index():
    form, period = _period()
    if period is None:
        return render_template("insights/index.html", form=form, period=None, charts=[]), 422
    overview = queries.overview(current_user, period)
    return render_template(
        "insights/index.html",
        form=form,
        period=period,
        overview=overview,
        charts=charts.overview_charts(overview, period.months),
    )


@bp.get("/response-times")
def response_times():
    form, period = _period()
    if period is None:
        return render_template("insights/response_times.html", form=form, period=None, rows=[]), 422
    rows = queries.response_times(current_user, period, utcnow())
    return render_template(
        "insights/response_times.html",
        form=form,
        period=period,
        rows=rows,
        median_chart=charts.median_answer_chart(rows),
    )


@bp.get("/response-times.csv")
def response_times_export():
    form, period = _period()
    if period is None:
        return render_template("insights/response_times.html", form=form, period=None, rows=[]), 422
    rows = queries.response_times(current_user, period, utcnow())
    return csv_response("reactietijden.csv", *exports.response_times(rows))


@bp.get("/congestion")
def congestion():
    return render_template("insights/congestion.html", lists=congestion_lists(current_user))


@bp.get('/congestion/<any(dsvs, "road-blocks", themes):table>.csv')
def congestion_export(table: str):
    filename, header, rows = exports.congestion(table, congestion_lists(current_user))
    return csv_response(filename, header, rows)


@bp.app_template_filter("month_name")
def month_name(month: date) -> str:
    return format_date(month, "MMMM yyyy")


@bp.app_template_filter("days")
def days(value: float | None) -> str:
    return charts.days_text(value)


@bp.app_template_filter("percent")
def percent(share: float) -> str:
    return format_percent(share)

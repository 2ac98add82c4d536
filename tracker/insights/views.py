"""The overview for national parties and programme staff: charts, response times, congestion.

Everyone signed in may look; every figure is computed over what the viewer may see (their
`BottleneckScope`). The pages are served from `tracker.insights.cache` and say how old their
figures are; the CSV downloads are always computed for the request.
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
from tracker.insights.cache import cached
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
    snapshot = cached("overview", queries.overview, authz.bottleneck_scope(current_user), period)
    return render_template(
        "insights/index.html",
        form=form,
        period=period,
        snapshot=snapshot,
        overview=snapshot.figures,
        charts=charts.overview_charts(snapshot.figures, period.months),
    )


@bp.get("/response-times")
def response_times():
    form, period = _period()
    if period is None:
        return render_template("insights/response_times.html", form=form, period=None, rows=[]), 422
    snapshot = cached(
        "response-times", queries.response_times_now, authz.bottleneck_scope(current_user), period
    )
    return render_template(
        "insights/response_times.html",
        form=form,
        period=period,
        snapshot=snapshot,
        rows=snapshot.figures,
        median_chart=charts.median_answer_chart(snapshot.figures),
    )


@bp.get("/response-times.csv")
def response_times_export():
    form, period = _period()
    if period is None:
        return render_template("insights/response_times.html", form=form, period=None, rows=[]), 422
    rows = queries.response_times(authz.bottleneck_scope(current_user), period, utcnow())
    return csv_response("reactietijden.csv", *exports.response_times(rows))


@bp.get("/congestion")
def congestion():
    snapshot = cached("congestion", congestion_lists, authz.bottleneck_scope(current_user))
    return render_template("insights/congestion.html", snapshot=snapshot, lists=snapshot.figures)


@bp.get('/congestion/<any(dsvs, "road-blocks", themes):table>.csv')
def congestion_export(table: str):
    lists = congestion_lists(authz.bottleneck_scope(current_user))
    filename, header, rows = exports.congestion(table, lists)
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

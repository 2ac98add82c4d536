"""Daily and weekly summaries for people who prefer them to one e-mail per event."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import exists, select

from tracker.auth.models import Delivery, User
from tracker.core.timeutil import AMSTERDAM, utcnow
from tracker.core.urls import external_url
from tracker.extensions import db
from tracker.notifications.models import Notice
from tracker.notifications.services import Once, queue_once

SEND_FROM_HOUR = 7  # local time; a later run in the same window still sends (outages delay)


def closed_window(cadence: Delivery, now: datetime) -> tuple[str, datetime] | None:
    """The summary window that closed last ("2026-11-22" or "2026-W47") and its end, in UTC.

    Summaries go out from 07:00 local for the previous day (daily) or week (weekly); before
    07:00 nothing is due yet.
    """
    local = now.astimezone(AMSTERDAM)
    if local.hour < SEND_FROM_HOUR:
        return None
    today = local.date()
    if cadence is Delivery.DAILY:
        start = today - timedelta(days=1)
        end = today
        key = start.isoformat()
    else:
        end = today - timedelta(days=today.weekday())  # this Monday
        start = end - timedelta(weeks=1)
        year, week, _ = start.isocalendar()
        key = f"{year}-W{week:02d}"
    return key, datetime.combine(end, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def send_summaries(cadence: Delivery, now: datetime | None = None) -> int:
    """One summary per user and window with everything pending; none when nothing is pending."""
    now = now or utcnow()
    closed = closed_window(cadence, now)
    if closed is None:
        return 0
    window, end = closed
    pending = exists().where(Notice.user_id == User.id, Notice.summary_message_id.is_(None))
    # Someone who switched to "each e-mail" or "off" still gets what was waiting, once, daily.
    cadences = (
        [cadence, Delivery.IMMEDIATE, Delivery.OFF] if cadence is Delivery.DAILY else [cadence]
    )
    users = db.session.scalars(
        select(User)
        .where(User.delivery.in_(cadences), User.active.is_(True), pending)
        .order_by(User.id)
    )
    sent = 0
    for user in users:
        notices = list(
            db.session.scalars(
                select(Notice)
                .where(
                    Notice.user_id == user.id,
                    Notice.summary_message_id.is_(None),
                    Notice.created_at < end,
                )
                .order_by(Notice.created_at, Notice.id)
            )
        )
        if not notices:
            continue
        once = Once("summary", f"user:{user.id}", cadence.value, window)
        message = queue_once(
            "summary",
            user,
            once,
            notices=notices,
            cadence=cadence.value,
            link=external_url("auth.account"),
        )
        if message is None:
            continue  # this window's summary already went out; the rest waits for the next
        for notice in notices:
            notice.summary_message = message
        sent += 1
    db.session.commit()
    return sent

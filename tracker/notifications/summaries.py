"""Daily and weekly summaries for people who prefer them to one e-mail per event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from tracker.auth.models import Delivery, User
from tracker.core.timeutil import AMSTERDAM, utcnow
from tracker.core.urls import external_url
from tracker.extensions import db
from tracker.notifications.models import Notice
from tracker.notifications.services import Once, queue_once

SEND_FROM_HOUR = 7  # local time; a later run in the same window still sends (outages delay)


def current_window(cadence: Delivery, now: datetime) -> str | None:
    """The summary window open at `now` ("2026-11-23", "2026-W48"), None before 07:00 local."""
    local = now.astimezone(AMSTERDAM)
    if local.hour < SEND_FROM_HOUR:
        return None
    if cadence is Delivery.DAILY:
        return local.date().isoformat()
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def send_summaries(cadence: Delivery, now: datetime | None = None) -> int:
    """One summary per user and window with everything pending; none when nothing is pending."""
    now = now or utcnow()
    window = current_window(cadence, now)
    if window is None:
        return 0
    pending = exists().where(Notice.user_id == User.id, Notice.summary_message_id.is_(None))
    users = db.session.scalars(
        select(User)
        .where(User.delivery == cadence, User.active.is_(True), pending)
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
                    Notice.created_at <= now,
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

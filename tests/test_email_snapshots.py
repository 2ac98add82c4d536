"""Every e-mail in both languages against a committed snapshot: a wording change is a diff.

Run with UPDATE_SNAPSHOTS=1 to rewrite the snapshots after an intended change, then review them.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.timeutil import AMSTERDAM
from tracker.directory.models import BuildingBlock, Dsv, Party
from tracker.escalations.models import Escalation
from tracker.escalations.workflow import TRANSITIONS
from tracker.events.models import Event, FollowUpAction
from tracker.notifications.services import render

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _moment(day: int, hour: int = 17) -> datetime:
    return datetime(2027, 1, day, hour, tzinfo=AMSTERDAM)


def _objects():
    party = Party(name="ZonMw", slug="zonmw", table_contact_email="tafel@zonmw.example")
    block = BuildingBlock(
        number=4,
        code="funding",
        name_nl="Bekostiging en financiering",
        name_en="Funding and financing",
    )
    dsv = Dsv(name="Samen Gezond Twente", slug="twente")
    bottleneck = Bottleneck(
        id=7, title="Prijs maal volume belemmert substitutie", dsv=dsv, building_block=block
    )
    escalation = Escalation(
        id=3,
        party=party,
        bottleneck=bottleneck,
        status="answered",
        acknowledge_due_at=_moment(11),
        answer_due_at=_moment(29),
        very_late_at=_moment(29),
        answered_at=_moment(20, 10),
    )
    return party, bottleneck, escalation


def _cases():
    party, bottleneck, escalation = _objects()
    link = "https://tracker.example/bottlenecks/7#escalation-3"
    common = {"escalation": escalation, "bottleneck": bottleneck, "link": link}
    notice = SimpleNamespace(line="Nieuwe escalatie voor ZonMw: Prijs maal volume", link=link)
    content = {
        key: {
            "total": 2,
            "confidential": 1,
            "items": [
                {
                    "title": bottleneck.title,
                    "dsv": "Samen Gezond Twente",
                    "block": 4,
                    "bottleneck_id": 7,
                }
            ],
        }
        for key in ("new", "late", "very_late", "answered", "accepted")
    }
    content["themes"] = [
        {
            "block": 4,
            "name_nl": "Bekostiging en financiering",
            "name_en": "Funding and financing",
            "bottlenecks": 5,
            "dsvs": 3,
            "networks": 2,
        }
    ]
    content["road_blocks"] = [{"id": 2, "title": "Geen populatiebekostiging", "dsvs": 4}]
    digest = SimpleNamespace(
        id=9, content=content, window_start=_moment(18, 0), window_end=_moment(25, 0)
    )
    event = Event(
        id=5,
        title="Landelijke tafel populatiebekostiging",
        starts_at=_moment(14, 13),
        ends_at=_moment(14, 16),
        place="Utrecht, Jaarbeurs",
        online_url="https://meet.example/tafel",
    )
    action = FollowUpAction(id=8, title="Notitie populatiebekostiging", due_at=_moment(29))
    event_link = "https://tracker.example/events/5"
    return {
        "event_promoted": {"event": event, "link": event_link},
        "event_cancelled": {"event": event, "link": event_link},
        "event_reminder": {"event": event, "link": event_link},
        **{
            f"reminder_action.{stage}": {
                "event": event,
                "action": action,
                "stage": stage,
                "link": f"{event_link}#actions",
            }
            for stage in ("due_soon", "overdue")
        },
        "escalation_submitted": common,
        "escalation_changed": {**common, "transition": TRANSITIONS["respond"]},
        "invitation": {"link": "https://tracker.example/auth/invite/TOKEN", "hours": 72},
        "password_reset": {"link": "https://tracker.example/auth/reset/TOKEN", "hours": 2},
        **{
            f"reminder_escalation.{stage}": {**common, "stage": stage}
            for stage in ("not_acknowledged", "answer_due_soon", "answer_overdue", "very_overdue")
        },
        "reminder_unconfirmed": {
            **common,
            "accept_link": "https://tracker.example/escalations/3/accept",
            "reopen_link": "https://tracker.example/escalations/3/reopen",
        },
        "reminder_idle": {"bottleneck": bottleneck, "link": link, "days": 30},
        "bottleneck_cosigned": {
            "bottleneck": bottleneck,
            "link": "https://tracker.example/bottlenecks/7#cosigners",
            "dsv_name": "GezondIn Drenthe",
            "context": "Bij ons wachten 40 gezinnen.\nDe inkoop is versnipperd.",
        },
        **{
            f"bottleneck_merged.{state}": {
                "duplicate": Bottleneck(
                    id=8, title="Substitutie loopt vast", dsv=Dsv(name="GezondIn Drenthe")
                ),
                "target": bottleneck,
                "actor_name": "Programmabureau",
                "undone": state == "undone",
                "link": "https://tracker.example/bottlenecks/7",
            }
            for state in ("merged", "undone")
        },
        "summary": {
            "notices": [notice, notice],
            "cadence": "daily",
            "link": "https://tracker.example/auth/account",
        },
        "digest": {
            "digest": digest,
            "party": party,
            "recipient_name": "ZonMw",
            "link": "https://tracker.example/digests/show/9",
            "list_link": "https://tracker.example/bottlenecks/?party=1",
        },
    }


CASES = sorted(_cases())


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("case", CASES)
def test_email_matches_its_snapshot(ctx, case, language):
    kind = case.split(".")[0]
    recipient = User(name="Gert Smit", email="gert@zonmw.example", language=language)
    rendered = render(kind, language, recipient=recipient, **_cases()[case])
    text = f"Subject: {rendered.subject}\n\n{rendered.text}\n--- html ---\n{rendered.html}\n"
    path = SNAPSHOTS / f"{case}.{language}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text)
        if not os.environ.get("UPDATE_SNAPSHOTS"):
            pytest.fail(f"snapshot {path.name} was missing and has been written; review it")
    assert text == path.read_text()

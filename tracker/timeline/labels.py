"""Timeline events as sentences in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.bottlenecks.models import IMPACT_LABELS, STATUS_LABELS
from tracker.escalations.workflow import STATUS_LABELS as ESCALATION_LABELS
from tracker.escalations.workflow import TRANSITIONS
from tracker.events.models import AUDIENCE_LABELS, KIND_LABELS
from tracker.events.models import STATUS_LABELS as EVENT_LABELS
from tracker.roadblocks.models import STATUS_LABELS as ROAD_BLOCK_LABELS
from tracker.timeline.models import TimelineEvent

FIELD_LABELS = {
    "title": _l("title"),
    "description": _l("description"),
    "building_block": _l("building block"),
    "owner": _l("owner"),
    "impact": _l("impact"),
    "domains": _l("domains"),
    "confidential": _l("confidential"),
    "name": _l("name"),
    "language": _l("language"),
    "delivery": _l("e-mail preference"),
    "admin": _l("admin"),
    "active": _l("active"),
    "dsvs": _l("DSVs"),
    "parties": _l("parties"),
    "networks": _l("networks"),
    "region": _l("region"),
    "municipalities": _l("municipalities"),
    "phase": _l("phase"),
    "table_contact_email": _l("table contact e-mail"),
    "answer_working_days": _l("answer deadline"),
    "digest_cadence": _l("road-block digest"),
    "coordinating_party": _l("coordinating party"),
    "kind": _l("kind of event"),
    "starts_at": _l("start"),
    "ends_at": _l("end"),
    "place": _l("place"),
    "online_url": _l("online link"),
    "capacity": _l("capacity"),
    "audience": _l("audience"),
    "audience_network_id": _l("audience network"),
    "organiser_party_id": _l("organising party"),
    "organiser_network_id": _l("organising network"),
    "invitees": _l("invited people"),
}

#: Event kinds that only name a person or an item: kind -> sentence with %(name)s.
EVENT_SENTENCES = {
    "registration_confirmed": _l("%(name)s registered"),
    "registration_waiting": _l("%(name)s joined the waiting list"),
    "registration_promoted": _l("%(name)s moved up from the waiting list to a seat"),
    "registration_cancelled": _l("%(name)s cancelled their registration"),
    "agenda_added": _l("On the agenda: %(name)s"),
    "agenda_removed": _l("Taken off the agenda: %(name)s"),
    "agenda_moved": _l("Agenda reordered: %(name)s"),
    "action_added": _l("Follow-up action agreed: %(name)s"),
    "action_done": _l("Follow-up action done: %(name)s"),
}


def _value(field: str | None, value: str | None) -> str:
    if value in (None, ""):
        return "\u2013"  # en dash
    if field == "impact":
        return str(IMPACT_LABELS.get(value, value))
    if field == "kind":
        return str(KIND_LABELS.get(value, value))
    if field == "audience":
        return str(AUDIENCE_LABELS.get(value, value))
    if value in ("yes", "true"):
        return _("yes")
    if value in ("no", "false"):
        return _("no")
    return value


def describe(event: TimelineEvent) -> str:
    """One line saying what happened, e.g. 'Changed impact from medium to high'."""
    kind = event.kind
    if kind == "created":
        return _("Created “%(name)s”", name=event.new_value)
    if kind == "changed":
        field = str(FIELD_LABELS.get(event.field, event.field))
        if event.field == "description":
            return _("Changed the description")
        return _(
            "Changed %(field)s from %(old)s to %(new)s",
            field=field,
            old=_value(event.field, event.old_value),
            new=_value(event.field, event.new_value),
        )
    if kind == "status":
        labels = {**EVENT_LABELS, **ROAD_BLOCK_LABELS, **STATUS_LABELS}
        return _(
            "Status changed from %(old)s to %(new)s",
            old=labels.get(event.old_value, event.old_value),
            new=labels.get(event.new_value, event.new_value),
        )
    if kind == "escalated":
        if event.old_value:
            return _("Forwarded from %(old)s to %(new)s", old=event.old_value, new=event.new_value)
        return _("Escalated to %(party)s", party=event.new_value)
    if kind == "member_added":
        return _("Bottleneck added: %(title)s", title=event.new_value)
    if kind == "member_removed":
        return _("Bottleneck taken out: %(title)s", title=event.old_value)
    if kind == "road_block_joined":
        return _("Grouped into road block “%(title)s”", title=event.new_value)
    if kind == "road_block_left":
        return _("Taken out of road block “%(title)s”", title=event.old_value)
    if kind in EVENT_SENTENCES:
        return str(EVENT_SENTENCES[kind]) % {"name": event.new_value or event.old_value or ""}
    if kind == "report_changed":
        return _("Changed the report")
    if kind == "calendar_feed_created":
        return _("Calendar link made")
    if kind == "calendar_feed_revoked":
        return _("Calendar link stopped")
    if kind == "api_token_created":
        return _("API token made: %(name)s", name=event.new_value)
    if kind == "api_token_revoked":
        return _("API token revoked: %(name)s", name=event.old_value)
    if kind == "commented":
        return _("Commented")
    if kind == "cosigned":
        return _("Co-signed by %(dsv)s: this is theirs too", dsv=event.new_value)
    if kind == "cosign_withdrawn":
        return _("%(dsv)s withdrew its co-signature", dsv=event.old_value)
    if kind == "merged_into":
        return _("Merged as a duplicate into “%(title)s”", title=event.new_value)
    if kind == "merged_from":
        return _("Duplicate merged into this one: “%(title)s”", title=event.new_value)
    if kind == "merge_undone":
        return _("Merge with “%(title)s” undone", title=event.old_value)
    if kind in TRANSITIONS:
        return _(
            "%(action)s: %(old)s → %(new)s",
            action=TRANSITIONS[kind].label,
            old=ESCALATION_LABELS.get(event.old_value, event.old_value),
            new=ESCALATION_LABELS.get(event.new_value, event.new_value),
        )
    if kind == "invited":
        return _("Invitation link issued for %(email)s", email=event.new_value)
    if kind == "password_set":
        return _("Password set")
    if kind == "reset_link":
        return _("Password-reset link issued")
    return kind

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

#: Kinds that at most name a person or an item (the event's new value, else its old one):
#: kind -> sentence with %(name)s.
SENTENCES = {
    "member_added": _l("Bottleneck added: %(name)s"),
    "member_removed": _l("Bottleneck taken out: %(name)s"),
    "road_block_joined": _l("Grouped into road block “%(name)s”"),
    "road_block_left": _l("Taken out of road block “%(name)s”"),
    "report_changed": _l("Changed the report"),
    "calendar_feed_created": _l("Calendar link made"),
    "calendar_feed_revoked": _l("Calendar link stopped"),
    "commented": _l("Commented"),
    "followed": _l("Started following “%(name)s”"),
    "unfollowed": _l("Stopped following “%(name)s”"),
    "cosigned": _l("Co-signed by %(name)s: this is theirs too"),
    "cosign_withdrawn": _l("%(name)s withdrew its co-signature"),
    "merged_into": _l("Merged as a duplicate into “%(name)s”"),
    "merged_from": _l("Duplicate merged into this one: “%(name)s”"),
    "merge_undone": _l("Merge with “%(name)s” undone"),
    "invited": _l("Invitation link issued for %(name)s"),
    "password_set": _l("Password set"),
    "api_token_created": _l("API token made: %(name)s"),
    "api_token_revoked": _l("API token revoked: %(name)s"),
    "anonymised": _l("Personal data deleted; the account is a pseudonym now"),
    "imported": _l("Account made by a registry import for %(name)s"),
    "reset_link": _l("Password-reset link issued"),
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
    if kind in SENTENCES:
        return str(SENTENCES[kind]) % {"name": event.new_value or event.old_value or ""}
    if kind in TRANSITIONS:
        return _(
            "%(action)s: %(old)s → %(new)s",
            action=TRANSITIONS[kind].label,
            old=ESCALATION_LABELS.get(event.old_value, event.old_value),
            new=ESCALATION_LABELS.get(event.new_value, event.new_value),
        )
    return kind

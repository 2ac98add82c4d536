"""Who hears about co-signing and merging: the people whose bottleneck it is."""

from __future__ import annotations

from collections.abc import Iterable

from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.core.urls import external_url
from tracker.duplicates.models import Cosignature, Merge
from tracker.notifications.services import deliver_to_user


def _reachable(people: Iterable[User], actor: User) -> list[User]:
    return [p for p in people if p.id != actor.id and p.active and p.has_accepted_invite]


def cosigned(cosignature: Cosignature, bottleneck: Bottleneck, actor: User) -> None:
    """Tell the bottleneck's owner that another DSV co-signed it (per delivery preference)."""
    link = external_url("bottlenecks.detail", bottleneck_id=bottleneck.id, _anchor="cosigners")
    for person in _reachable([bottleneck.owner], actor):
        deliver_to_user(
            "bottleneck_cosigned",
            person,
            link=link,
            bottleneck=bottleneck,
            dsv_name=cosignature.dsv.name,
            context=cosignature.context,
        )


def merged(merge: Merge, affected: Iterable[User], actor: User, *, undone: bool) -> None:
    """Tell everyone affected that a duplicate was merged (or the merge undone)."""
    link = external_url("bottlenecks.detail", bottleneck_id=merge.target_id)
    for person in _reachable(affected, actor):
        deliver_to_user(
            "bottleneck_merged",
            person,
            link=link,
            duplicate=merge.duplicate,
            target=merge.target,
            actor_name=actor.name,
            undone=undone,
        )

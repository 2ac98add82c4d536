"""Finding what is already there: suggestions while filing, co-signing, merging and undo."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import builders
from tracker.core.errors import InvalidInput, NotAllowed, NotVisible
from tracker.duplicates import search, services
from tracker.duplicates.models import Cosignature
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage
from tracker.roadblocks import services as road_blocks
from tracker.timeline.models import TimelineEvent

WAITING = "Lange wachtlijsten jeugdzorg door versnipperde inkoop"


@pytest.fixture
def world(ctx):
    return builders.World()


def _third_dsv(name: str = "DSV Derde"):
    dsv = builders.dsv(name)
    coordinator = builders.user(dsvs=[dsv], name=f"Coördinator {name}")
    db.session.commit()
    return dsv, coordinator


def _kinds(bottleneck) -> list[str]:
    return list(
        db.session.scalars(
            select(TimelineEvent.kind)
            .where(
                TimelineEvent.subject_type == "bottleneck",
                TimelineEvent.subject_id == bottleneck.id,
            )
            .order_by(TimelineEvent.id)
        )
    )


def _mail_to(user) -> list[str]:
    return list(
        db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.recipient_id == user.id))
    )


# --- suggestions -------------------------------------------------------------------------------


def test_suggestions_find_inflected_words_on_postgresql(world):
    theirs = builders.bottleneck(
        world.other_coordinator, title="Versnipperde inkoop", description="Er is een wachtlijst."
    )
    builders.bottleneck(world.other_coordinator, title="Gegevensdeling huisarts en gemeente")
    found = search.similar(world.coordinator, "Wachtlijsten")  # Dutch stemming: plural finds it
    assert [b.id for b in found.bottlenecks] == [theirs.id]


def test_suggestions_tolerate_typos_in_the_title(world):
    theirs = builders.bottleneck(world.other_coordinator, title="Bekostiging preventieakkoord")
    found = search.similar(world.coordinator, "Bekostiging preventieakoord")
    assert theirs.id in [b.id for b in found.bottlenecks]


def test_suggestions_rank_the_closest_first(world):
    loose = builders.bottleneck(
        world.other_coordinator,
        title="Inkoop loopt stroef",
        description="Ook de wachtlijsten lopen op.",
    )
    close = builders.bottleneck(world.other_coordinator, title=WAITING)
    found = search.similar(world.coordinator, "Wachtlijsten jeugdzorg", "versnipperde inkoop")
    assert [b.id for b in found.bottlenecks] == [close.id, loose.id]


def test_confidential_bottlenecks_of_another_dsv_are_never_suggested(world):
    builders.bottleneck(world.other_coordinator, title=WAITING, confidential=True)
    assert not search.similar(world.coordinator, WAITING)
    # ... but their own DSV does see them, so it does not file the same thing twice.
    assert search.similar(world.other_coordinator, WAITING).bottlenecks


def test_road_blocks_are_suggested_and_merged_duplicates_are_not(world):
    dup = builders.bottleneck(world.other_coordinator, title=WAITING)
    target = builders.bottleneck(world.coordinator, title="Wachtlijsten in de jeugdzorg")
    road_block = road_blocks.create(
        world.admin,
        title="Wachtlijsten jeugdzorg",
        description="",
        party_id=None,
        building_block_id=builders.block().id,
        bottleneck_ids=[target.id],
    )
    services.merge(world.admin, dup.id, target.id)
    found = search.similar(world.member, "wachtlijsten jeugdzorg")
    assert [r.id for r in found.road_blocks] == [road_block.id]
    assert dup.id not in [b.id for b in found.bottlenecks]


def test_short_or_empty_input_suggests_nothing(world):
    builders.bottleneck(world.other_coordinator, title=WAITING)
    assert not search.similar(world.coordinator, "wa")
    assert not search.similar(world.coordinator, "!!! ??? ...")


def test_search_words_cannot_inject_query_operators():
    assert search.words("wacht & lijst | (jeugd) !zorg:* 'x'") == [
        "wacht",
        "lijst",
        "jeugd",
        "zorg",
    ]


# --- co-signing --------------------------------------------------------------------------------


def test_coordinator_cosigns_another_dsvs_bottleneck_and_its_owner_hears(world):
    theirs = builders.bottleneck(world.other_coordinator, title=WAITING)
    services.cosign_bottleneck(world.coordinator, theirs.id, world.dsv.id, "Bij ons 40 kinderen.")
    (cosignature,) = services.cosignatures_of_bottleneck(theirs.id)
    assert (cosignature.dsv_id, cosignature.context) == (world.dsv.id, "Bij ons 40 kinderen.")
    assert "cosigned" in _kinds(theirs)
    assert _mail_to(world.other_coordinator) == ["bottleneck_cosigned"]


def test_a_dsv_cosigns_once_and_never_its_own_bottleneck(world):
    theirs = builders.bottleneck(world.other_coordinator)
    ours = builders.bottleneck(world.coordinator)
    services.cosign_bottleneck(world.coordinator, theirs.id, world.dsv.id, "Ook hier.")
    with pytest.raises(InvalidInput):
        services.cosign_bottleneck(world.coordinator, theirs.id, world.dsv.id, "Nog eens.")
    with pytest.raises(NotAllowed):
        services.cosign_bottleneck(world.coordinator, ours.id, world.dsv.id, "Eigen.")


def test_only_own_dsvs_and_only_public_bottlenecks_can_be_cosigned(world):
    theirs = builders.bottleneck(world.other_coordinator)
    secret = builders.bottleneck(world.other_coordinator, confidential=True)
    with pytest.raises(InvalidInput):
        services.cosign_bottleneck(world.coordinator, theirs.id, world.other_dsv.id, "Namens ander")
    with pytest.raises(NotVisible):
        services.cosign_bottleneck(world.coordinator, secret.id, world.dsv.id, "Geheim")
    with pytest.raises(NotAllowed):
        services.cosign_bottleneck(world.liaison, theirs.id, world.dsv.id, "Geen DSV")


def _counts(road_block) -> tuple[int, int]:
    """The DSVs and bottlenecks the road-block list shows for it."""
    return road_block.dsv_count, road_block.bottleneck_count


def test_cosigners_count_towards_the_road_blocks_reach_and_rank(world):
    third_dsv, third = _third_dsv()
    member = builders.bottleneck(world.other_coordinator, title=WAITING)
    road_block = road_blocks.create(
        world.admin,
        title="Wachtlijsten",
        description="",
        party_id=None,
        building_block_id=builders.block().id,
        bottleneck_ids=[member.id],
    )
    lone = road_blocks.create(
        world.admin,
        title="Alleen",
        description="",
        party_id=None,
        building_block_id=builders.block().id,
        bottleneck_ids=[builders.bottleneck(world.other_coordinator).id],
    )
    assert _counts(road_block) == (1, 1)
    services.cosign_bottleneck(world.coordinator, member.id, world.dsv.id, "Ook bij ons.")
    services.cosign_road_block(third, road_block.id, third_dsv.id, "En hier.")
    assert (_counts(road_block), _counts(lone)) == ((3, 1), (1, 1))
    reach = road_blocks.reach(road_block)
    assert {d.name for d in reach["dsvs"]} == {"DSV Eigen", "DSV Ander", "DSV Derde"}
    ranked = db.session.scalars(road_blocks.ranked()).all()
    assert ranked.index(road_block) < ranked.index(lone)


def test_withdrawing_is_for_the_cosigning_dsv_and_goes_on_the_timeline(world):
    theirs = builders.bottleneck(world.other_coordinator)
    cosignature = services.cosign_bottleneck(world.coordinator, theirs.id, world.dsv.id, "Ook.")
    with pytest.raises(NotAllowed):
        services.withdraw(world.other_coordinator, cosignature.id)
    assert services.withdraw(world.coordinator, cosignature.id) == ("bottleneck", theirs.id)
    assert services.cosignatures_of_bottleneck(theirs.id) == []
    assert _kinds(theirs)[-1] == "cosign_withdrawn"


# --- merging -----------------------------------------------------------------------------------


@pytest.fixture
def duplicate_case(world):
    """A duplicate (other DSV) co-signed by a third DSV and grouped in a road block."""
    third_dsv, third = _third_dsv()
    duplicate = builders.bottleneck(world.other_coordinator, title=WAITING)
    target = builders.bottleneck(world.coordinator, title="Wachtlijsten jeugdzorg")
    services.cosign_bottleneck(third, duplicate.id, third_dsv.id, "Hier ook wachtlijsten.")
    road_block = road_blocks.create(
        world.admin,
        title="Wachtlijsten",
        description="",
        party_id=None,
        building_block_id=builders.block().id,
        bottleneck_ids=[duplicate.id],
    )
    db.session.query(OutboxMessage).delete()
    return world, third, duplicate, target, road_block


def _cosigning_dsvs(bottleneck) -> set[str]:
    return {c.dsv.name for c in services.cosignatures_of_bottleneck(bottleneck.id)}


def test_merge_moves_cosigners_road_block_and_tells_everyone(duplicate_case):
    world, third, duplicate, target, road_block = duplicate_case
    services.merge(world.liaison, duplicate.id, target.id)
    assert duplicate.merged_into_id == target.id
    assert _cosigning_dsvs(target) == {"DSV Ander", "DSV Derde"}
    assert _cosigning_dsvs(duplicate) == set()
    assert road_blocks.for_bottleneck(target.id) == road_block
    assert road_blocks.for_bottleneck(duplicate.id) is None
    assert _counts(road_block) == (3, 1)
    assert "merged_into" in _kinds(duplicate)
    assert "merged_from" in _kinds(target)
    for person in (world.coordinator, world.other_coordinator, third):
        assert _mail_to(person) == ["bottleneck_merged"], person.name
    assert _mail_to(world.liaison) == []  # the one who merged


def test_undo_restores_exactly_what_the_merge_moved(duplicate_case):
    world, _third, duplicate, target, road_block = duplicate_case
    # A co-signature the target had before the merge stays where it is.
    fourth_dsv, fourth = _third_dsv("DSV Vierde")
    services.cosign_bottleneck(fourth, target.id, fourth_dsv.id, "Vooraf.")
    merge = services.merge(world.admin, duplicate.id, target.id)
    services.undo_merge(world.liaison, merge.id)
    assert duplicate.merged_into_id is None
    assert _cosigning_dsvs(duplicate) == {"DSV Derde"}
    assert _cosigning_dsvs(target) == {"DSV Vierde"}
    assert road_blocks.for_bottleneck(duplicate.id) == road_block
    assert road_blocks.for_bottleneck(target.id) is None
    assert _kinds(duplicate)[-1] == _kinds(target)[-1] == "merge_undone"
    assert merge.undone_by_id == world.liaison.id
    with pytest.raises(InvalidInput):
        services.undo_merge(world.admin, merge.id)


def test_target_keeps_its_own_road_block_when_both_have_one(duplicate_case):
    world, _third, duplicate, target, road_block = duplicate_case
    own = road_blocks.create(
        world.admin,
        title="Eigen",
        description="",
        party_id=None,
        building_block_id=builders.block().id,
        bottleneck_ids=[target.id],
    )
    merge = services.merge(world.admin, duplicate.id, target.id)
    assert road_blocks.for_bottleneck(target.id) == own
    assert road_block.members == []
    services.undo_merge(world.admin, merge.id)
    assert road_blocks.for_bottleneck(duplicate.id) == road_block
    assert road_blocks.for_bottleneck(target.id) == own


@pytest.mark.parametrize(
    "case",
    ["itself", "confidential", "already_merged", "into_a_duplicate", "has_duplicates"],
)
def test_merges_that_would_lose_or_tangle_history_are_refused(world, case):
    a = builders.bottleneck(world.other_coordinator, title="A")
    b = builders.bottleneck(world.coordinator, title="B")
    c = builders.bottleneck(world.coordinator, title="C")
    secret = builders.bottleneck(world.coordinator, title="S", confidential=True)
    duplicate_id, target_id = {
        "itself": (a.id, a.id),
        "confidential": (a.id, secret.id),
        "already_merged": (a.id, c.id),
        "into_a_duplicate": (c.id, a.id),
        "has_duplicates": (b.id, c.id),
    }[case]
    if case in ("already_merged", "into_a_duplicate"):
        services.merge(world.admin, a.id, b.id)
    if case == "has_duplicates":
        services.merge(world.admin, a.id, b.id)
    with pytest.raises(InvalidInput):
        services.merge(world.admin, duplicate_id, target_id)


def test_coordinators_cannot_merge(world):
    a = builders.bottleneck(world.other_coordinator, title="A")
    b = builders.bottleneck(world.coordinator, title="B")
    with pytest.raises(NotAllowed):
        services.merge(world.coordinator, a.id, b.id)
    assert db.session.scalars(select(Cosignature)).all() == []


# --- following ---------------------------------------------------------------------------------


def test_followers_hear_every_step_of_the_escalations(world):
    from tracker.bottlenecks import services as bottlenecks
    from tracker.escalations import services as escalations

    theirs = builders.bottleneck(world.other_coordinator)
    escalation = builders.escalation(world.other_coordinator, theirs, world.party)
    bottlenecks.follow(world.member, theirs.id)
    bottlenecks.follow(world.member, theirs.id)  # twice is once
    db.session.query(OutboxMessage).delete()
    escalations.apply_action(world.liaison, escalation.id, "acknowledge", version=None, note="")
    assert _mail_to(world.member) == ["escalation_changed"]
    assert _mail_to(world.liaison) == []  # not told about their own step
    bottlenecks.follow(world.member, theirs.id, following=False)
    escalations.apply_action(world.liaison, escalation.id, "respond", version=None, note="Zo.")
    assert _mail_to(world.member) == ["escalation_changed"]


def test_a_follower_who_may_no_longer_see_it_hears_nothing(world):
    from tracker.bottlenecks import services as bottlenecks
    from tracker.escalations import services as escalations

    ours = builders.bottleneck(world.coordinator)
    escalation = builders.escalation(world.coordinator, ours, world.party)
    bottlenecks.follow(world.member, ours.id)
    ours.is_confidential = True
    db.session.commit()
    escalations.apply_action(world.liaison, escalation.id, "acknowledge", version=None, note="")
    assert _mail_to(world.member) == []


def test_cosigners_follow_and_followers_move_with_a_merge_and_back(duplicate_case):
    from tracker.bottlenecks import services as bottlenecks

    world, third, duplicate, target, _road_block = duplicate_case
    assert third in duplicate.followers  # co-signing follows
    bottlenecks.follow(world.member, duplicate.id)
    bottlenecks.follow(world.admin, target.id)
    merge = services.merge(world.admin, duplicate.id, target.id)
    assert {u.id for u in target.followers} == {third.id, world.member.id, world.admin.id}
    services.undo_merge(world.admin, merge.id)
    assert [u.id for u in target.followers] == [world.admin.id]
    assert {u.id for u in duplicate.followers} == {third.id, world.member.id}

"""The stored DSV and bottleneck counts of road blocks stay equal to a count from scratch.

The road-block list ranks on `RoadBlock.dsv_count` and shows `bottleneck_count` (issue 7: no
recount of every road block per view). Each kind of change that can move them is made here in
turn, and after each one every road block's stored counts are compared with a count made in
Python from the rows themselves: the DSVs of its bottlenecks, of their co-signers and of its own
co-signers. (tests/conftest.py also compares them with `services.recount()` after every test.)
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import builders
from tests.test_events import committed  # noqa: F401 (a fixture: real commits, emptied after)
from tests.test_privacy import closed_item
from tracker.duplicates import services as duplicates
from tracker.duplicates.models import Cosignature
from tracker.extensions import db
from tracker.privacy import retention
from tracker.roadblocks import services
from tracker.roadblocks.models import RoadBlock, RoadBlockMember


@pytest.fixture
def world(ctx):
    return builders.World()


def from_scratch() -> dict[int, tuple[int, int]]:
    """Road block id -> (DSVs, bottlenecks), counted in Python from the rows as they are."""
    db.session.expire_all()
    members = db.session.scalars(select(RoadBlockMember)).all()
    cosignatures = db.session.scalars(select(Cosignature)).all()
    counts = {}
    for road_block in db.session.scalars(select(RoadBlock)):
        items = [m.bottleneck for m in members if m.road_block_id == road_block.id]
        ids = {b.id for b in items}
        dsvs = {b.dsv_id for b in items}
        dsvs |= {c.dsv_id for c in cosignatures if c.bottleneck_id in ids}
        dsvs |= {c.dsv_id for c in cosignatures if c.road_block_id == road_block.id}
        counts[road_block.id] = (len(dsvs), len(items))
    return counts


def stored() -> dict[int, tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(RoadBlock.id, RoadBlock.dsv_count, RoadBlock.bottleneck_count)
    ).all()
    return {road_block_id: (dsvs, items) for road_block_id, dsvs, items in rows}


def assert_kept(expected: dict[int, tuple[int, int]] | None = None) -> None:
    counted = from_scratch()
    assert stored() == counted
    assert services.recount() == {k: v for k, v in counted.items() if v != (0, 0)}
    if expected is not None:
        assert {k: counted[k] for k in expected} == expected


def _third(name: str):
    dsv = builders.dsv(name)
    coordinator = builders.user(dsvs=[dsv], name=f"Coördinator {name}")
    db.session.commit()
    return dsv, coordinator


def _road_block(world, *items, title="Systeemknelpunt"):
    return services.create(
        world.admin,
        title=title,
        description="",
        party_id=None,
        building_block_id=builders.block().id,
        bottleneck_ids=[b.id for b in items],
    )


def test_grouping_co_signing_withdrawing_and_taking_out_keep_the_counts(world):
    third_dsv, third = _third("DSV Derde")
    ours = builders.bottleneck(world.coordinator)
    theirs = builders.bottleneck(world.other_coordinator)
    road_block = _road_block(world, ours)
    other = _road_block(world, builders.bottleneck(world.other_coordinator), title="Ander")
    assert_kept({road_block.id: (1, 1), other.id: (1, 1)})

    services.add_bottlenecks(world.admin, road_block.id, [theirs.id])
    assert_kept({road_block.id: (2, 2)})

    on_member = duplicates.cosign_bottleneck(third, theirs.id, third_dsv.id, "Ook bij ons.")
    assert_kept({road_block.id: (3, 2)})

    on_road_block = duplicates.cosign_road_block(third, road_block.id, third_dsv.id, "En hier.")
    assert_kept({road_block.id: (3, 2)})  # a DSV counts once however it is connected

    on_other = duplicates.cosign_road_block(third, other.id, third_dsv.id, "Ook.")
    assert_kept({other.id: (2, 1)})

    duplicates.withdraw(third, on_road_block.id)
    assert_kept({road_block.id: (3, 2)})  # still there through its member's co-signer
    duplicates.withdraw(third, on_member.id)
    assert_kept({road_block.id: (2, 2), other.id: (2, 1)})
    duplicates.withdraw(third, on_other.id)
    assert_kept({other.id: (1, 1)})

    services.remove_bottleneck(world.admin, road_block.id, ours.id)
    assert_kept({road_block.id: (1, 1)})
    services.remove_bottleneck(world.admin, road_block.id, theirs.id)
    assert_kept({road_block.id: (0, 0)})

    alone = builders.bottleneck(world.other_coordinator)
    duplicates.cosign_bottleneck(world.coordinator, alone.id, world.dsv.id, "Ook.")
    assert_kept({road_block.id: (0, 0), other.id: (1, 1)})  # not in a road block: no change


@pytest.mark.parametrize("target_grouped", [False, True], ids=["target-alone", "target-grouped"])
def test_merging_and_undoing_a_merge_keep_the_counts(world, target_grouped):
    third_dsv, third = _third("DSV Derde")
    fourth_dsv, fourth = _third("DSV Vierde")
    duplicate = builders.bottleneck(world.other_coordinator, title="Wachtlijsten")
    target = builders.bottleneck(world.coordinator, title="Wachtlijsten jeugdzorg")
    duplicates.cosign_bottleneck(third, duplicate.id, third_dsv.id, "Hier ook.")
    duplicates.cosign_bottleneck(fourth, target.id, fourth_dsv.id, "En hier.")
    left = _road_block(world, duplicate)
    joined = _road_block(world, target, title="Doel") if target_grouped else None
    assert_kept()

    merge = duplicates.merge(world.liaison, duplicate.id, target.id)
    assert_kept()
    if joined is None:  # the target took the duplicate's place, with all four DSVs
        assert stored()[left.id] == (4, 1)
    else:
        assert stored()[left.id] == (0, 0) and stored()[joined.id] == (4, 1)

    duplicates.undo_merge(world.admin, merge.id)
    assert_kept({left.id: (2, 1)})
    if joined is not None:
        assert stored()[joined.id] == (2, 1)


def test_retention_deleting_a_member_of_a_closed_road_block_keeps_the_counts(world):
    third_dsv, third = _third("DSV Derde")
    gone = closed_item(world, "Oud en klaar")
    kept = builders.bottleneck(world.other_coordinator)
    road_block = _road_block(world, gone, kept)
    duplicates.cosign_bottleneck(third, gone.id, third_dsv.id, "Ook.")
    services.set_status(world.admin, road_block.id, "closed", road_block.version)
    db.session.get(type(gone), gone.id).updated_at = datetime.now(UTC) - timedelta(days=800)
    db.session.commit()
    assert_kept({road_block.id: (3, 2)})

    assert retention.sweep(730).bottlenecks == 1
    assert_kept({road_block.id: (1, 1)})


def test_counting_again_changes_nothing_and_keeps_the_version(world):
    road_block = _road_block(world, builders.bottleneck(world.coordinator))
    version = road_block.version
    services.refresh_all_counts()
    db.session.commit()
    assert_kept({road_block.id: (1, 1)})
    assert db.session.get(RoadBlock, road_block.id).version == version


def test_the_list_ranks_on_the_stored_counts(client, world):
    third_dsv, third = _third("DSV Derde")
    ours = builders.bottleneck(world.coordinator)
    small = _road_block(world, ours, title="Klein")
    large = _road_block(world, builders.bottleneck(world.other_coordinator), title="Groot")
    duplicates.cosign_road_block(third, large.id, third_dsv.id, "Ook.")
    client.login(world.member.email, builders.PASSWORD)
    page = client.get("/road-blocks/").get_data(as_text=True)
    assert page.index("Groot") < page.index("Klein")
    duplicates.cosign_bottleneck(world.other_coordinator, ours.id, world.other_dsv.id, "Ook.")
    duplicates.cosign_road_block(third, small.id, third_dsv.id, "Ook.")
    page = client.get("/road-blocks/").get_data(as_text=True)
    assert page.index("Klein") < page.index("Groot")


# --- races: real commits on two connections --------------------------------------------------


def _race(app, monkeypatch, *changes) -> None:
    """Run the changes at once, each in its own app context and transaction; a pause between
    counting and storing lets each count before the other commits, unless row locks serialise
    them."""
    counted = services.recount

    def slowly(road_block_ids=None):
        counts = counted(road_block_ids)
        time.sleep(0.3)
        return counts

    monkeypatch.setattr(services, "recount", slowly)
    barrier = threading.Barrier(len(changes))
    failures = []

    def run(change):
        with app.test_request_context():
            barrier.wait()
            try:
                change()
            except Exception as error:  # reported below, not lost in the thread
                failures.append(error)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(change,)) for change in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.setattr(services, "recount", counted)
    assert failures == []


def _user(user_id: int):
    from tracker.auth.models import User

    return db.session.get(User, user_id)


@pytest.mark.no_db_isolation
@pytest.mark.usefixtures("committed")
def test_co_signing_a_member_and_the_road_block_at_once_counts_both(app, monkeypatch):
    with app.test_request_context():
        world = builders.World()
        third_dsv, third = _third("DSV Derde")
        member = builders.bottleneck(world.other_coordinator)
        road_block = _road_block(world, member)
        ids = (road_block.id, member.id, world.coordinator.id, world.dsv.id, third.id, third_dsv.id)
        db.session.remove()
    road_block_id, member_id, ours, our_dsv, theirs, their_dsv = ids
    _race(
        app,
        monkeypatch,
        lambda: duplicates.cosign_bottleneck(_user(ours), member_id, our_dsv, "Ook."),
        lambda: duplicates.cosign_road_block(_user(theirs), road_block_id, their_dsv, "Ook."),
    )
    with app.app_context():
        assert_kept({road_block_id: (3, 1)})
        db.session.remove()


@pytest.mark.no_db_isolation
@pytest.mark.usefixtures("committed")
def test_grouping_a_bottleneck_while_it_is_co_signed_counts_the_co_signer(app, monkeypatch):
    with app.test_request_context():
        world = builders.World()
        road_block = _road_block(world, builders.bottleneck(world.other_coordinator))
        joining = builders.bottleneck(world.other_coordinator, title="Komt erbij")
        ids = (road_block.id, joining.id, world.admin.id, world.coordinator.id, world.dsv.id)
        db.session.remove()
    road_block_id, joining_id, admin, ours, our_dsv = ids
    _race(
        app,
        monkeypatch,
        lambda: services.add_bottlenecks(_user(admin), road_block_id, [joining_id]),
        lambda: duplicates.cosign_bottleneck(_user(ours), joining_id, our_dsv, "Ook."),
    )
    with app.app_context():
        assert_kept({road_block_id: (2, 2)})
        db.session.remove()


@pytest.mark.no_db_isolation
@pytest.mark.usefixtures("committed")
def test_taking_a_bottleneck_out_while_its_co_signer_withdraws_counts_neither(app, monkeypatch):
    with app.test_request_context():
        world = builders.World()
        _dsv, third = _third("DSV Derde")
        leaving = builders.bottleneck(world.other_coordinator, title="Gaat eruit")
        road_block = _road_block(world, builders.bottleneck(third), leaving)
        cosignature = duplicates.cosign_bottleneck(world.coordinator, leaving.id, world.dsv.id, "")
        ids = (road_block.id, leaving.id, cosignature.id, world.admin.id, world.coordinator.id)
        db.session.remove()
    road_block_id, leaving_id, cosignature_id, admin, ours = ids
    _race(
        app,
        monkeypatch,
        lambda: services.remove_bottleneck(_user(admin), road_block_id, leaving_id),
        lambda: duplicates.withdraw(_user(ours), cosignature_id),
    )
    with app.app_context():
        assert_kept({road_block_id: (1, 1)})
        db.session.remove()

"""`authz.visible_bottlenecks` in both SQL shapes agrees with the Python rule, for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import builders
from tracker import authz
from tracker.bottlenecks.models import Bottleneck
from tracker.escalations.models import Escalation
from tracker.extensions import db

ROLES = ("coordinator", "other_coordinator", "liaison", "other_liaison", "admin", "member")


@pytest.fixture
def world(ctx):
    world = builders.World()
    public = builders.bottleneck(world.coordinator)
    ours = builders.bottleneck(world.coordinator, confidential=True)
    theirs_to_us = builders.bottleneck(world.other_coordinator, confidential=True)
    theirs = builders.bottleneck(world.other_coordinator, confidential=True)
    builders.escalation(world.other_coordinator, theirs_to_us, world.party)
    builders.escalation(world.other_coordinator, theirs, world.other_party)
    builders.escalation(world.coordinator, public, world.other_party)
    world.items = [public, ours, theirs_to_us, theirs]
    db.session.commit()
    return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("correlated", [False, True])
def test_sql_shapes_match_the_python_rule(world, role, correlated):
    user = getattr(world, role)
    expected = {b.id for b in world.items if authz.can(user, "bottleneck.view", b)}
    rule = authz.visible_bottlenecks(user, correlated=correlated)
    assert set(db.session.scalars(select(Bottleneck.id).where(rule))) == expected
    # also inside a query that joins escalations itself (the per-party counts do)
    joined = select(Bottleneck.id).join(Escalation, Escalation.bottleneck_id == Bottleneck.id)
    escalated = {b.id for b in world.items if b.escalations}
    assert set(db.session.scalars(joined.where(rule))) == expected & escalated


def test_a_liaison_sees_public_and_confidential_escalated_to_their_party(world):
    """Not the confidential ones of a DSV, nor those escalated only to another party."""
    public, _ours, theirs_to_us, _theirs = world.items
    for correlated in (False, True):
        rule = authz.visible_bottlenecks(world.liaison, correlated=correlated)
        seen = set(db.session.scalars(select(Bottleneck.id).where(rule)))
        assert seen == {public.id, theirs_to_us.id}

"""Schemathesis against the live OpenAPI document: no server error, every response as documented.

Cases run through the project's test client (one app context per request, as in production)
inside the per-test rollback, as a seeded user who is both a DSV coordinator and a party liaison,
with a read-write token and real escalations to act on.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests import builders, event_builders
from tracker.api import tokens
from tracker.api.routes import OPERATIONS
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks


@pytest.fixture
def api_token(app, ctx):
    world = builders.World()
    both = builders.user(dsvs=[world.dsv], parties=[world.party], name="Beide rollen")
    db.session.commit()
    item = builders.bottleneck(both, title="Te korte subsidie")
    escalation = builders.escalation(both, item, world.party)
    secret = builders.bottleneck(world.other_coordinator, confidential=True)
    road_block = road_blocks.create(
        world.admin,
        title="Systeemknelpunt",
        description="",
        party_id=None,
        building_block_id=item.building_block_id,
        bottleneck_ids=[item.id],
    )
    db.session.commit()
    known = {
        "escalation_id": [escalation.id],
        "bottleneck_id": [item.id, secret.id],
        "party_id": [world.party.id],
        "network_id": [builders.network(world.party).id],
        "dsv_id": [world.dsv.id],
        "road_block_id": [road_block.id],
        "event_id": [event_builders.event(world.liaison, world.party).id],
    }
    db.session.commit()
    raw = tokens.create_token(both, "schemathesis", "write")
    saved = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = 100_000
    yield raw, known
    app.config["API_RATE_LIMIT"] = saved


@pytest.mark.parametrize("operation_id", sorted(op.endpoint for op in OPERATIONS))
def test_the_api_matches_its_openapi_document(app, client, api_token, operation_id):
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app).find_operation_by_id(
        operation_id
    )
    raw, known = api_token
    headers = {"Authorization": f"Bearer {raw}"}

    # Random ids almost always miss; half of the cases use ids of real, visible objects.
    @given(case=operation.as_strategy(), real=st.booleans())
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case, real):
        if real:
            for name in case.path_parameters or {}:
                case.path_parameters[name] = known[name][0]
        response = client.open(**case.as_transport_kwargs(headers=headers))
        case.validate_response(
            response,
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            headers=headers,
        )

    conforms()

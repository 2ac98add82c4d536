"""Property-based fuzzing of every form and filter: whatever is typed, never a server error.

Each form is submitted as the role that may use it, with its real field names and hypothesis-
generated values: empty, huge, unicode, NUL bytes, numbers out of range, malformed dates, markup.
The API's inputs are fuzzed by schemathesis (tests/test_api_schema.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import builders
from tracker.extensions import db
from tracker.roadblocks import services as road_blocks

EXAMPLES = 50  # per form; 21 forms -> 1,050 cases

NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e309",
        "99999999999999999999999",
        "2026-13-45",
        "2026-02-30",
        "24:61",
        "None",
        "<script>alert(1)</script>",
        '=HYPERLINK("x")',
        "\x00",
        "a\x00b",
        "\ud7ff\ue000",
        "x" * 70_000,
        "../../etc/passwd",
        "' OR 1=1 --",
    ]
)
VALUE = st.one_of(
    NASTY,
    st.text(max_size=300),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.lists(st.integers(min_value=-5, max_value=10**12).map(str), max_size=4),
)


@dataclass(frozen=True)
class Form:
    role: str
    method: str
    url: Callable[[dict], str]
    fields: tuple[str, ...]


FORMS = {
    "login": Form("anonymous", "POST", lambda o: "/auth/login", ("email", "password")),
    "forgot": Form("anonymous", "POST", lambda o: "/auth/forgot", ("email",)),
    "account": Form("coordinator", "POST", lambda o: "/auth/account", ("language", "delivery")),
    "bottleneck_new": Form(
        "coordinator",
        "POST",
        lambda o: "/bottlenecks/new",
        (
            "dsv_id",
            "title",
            "description",
            "building_block_id",
            "owner_id",
            "impact",
            "domain_ids",
            "is_confidential",
            "check_similar",
        ),
    ),
    "bottleneck_edit": Form(
        "coordinator",
        "POST",
        lambda o: f"/bottlenecks/{o['ours'].id}/edit",
        ("version", "title", "description", "building_block_id", "owner_id", "impact"),
    ),
    "comment": Form(
        "coordinator", "POST", lambda o: f"/bottlenecks/{o['ours'].id}/comments", ("body", "nonce")
    ),
    "escalate": Form(
        "coordinator",
        "POST",
        lambda o: f"/bottlenecks/{o['ours'].id}/escalate",
        ("party_ids", "request", "nonce"),
    ),
    "respond": Form(
        "liaison",
        "POST",
        lambda o: f"/escalations/{o['escalation'].id}/respond",
        ("note", "version", "forward_to_party_id"),
    ),
    "forward": Form(
        "liaison",
        "POST",
        lambda o: f"/escalations/{o['escalation'].id}/forward",
        ("note", "version", "forward_to_party_id"),
    ),
    "bottleneck_list": Form(
        "member",
        "GET",
        lambda o: "/bottlenecks/",
        ("block", "network", "party", "dsv", "status", "mine", "late", "page", "q"),
    ),
    "insights": Form("member", "GET", lambda o: "/insights/", ("from", "to")),
    "similar": Form(
        "coordinator", "GET", lambda o: "/bottlenecks/similar", ("title", "description")
    ),
    "road_block_new": Form(
        "admin",
        "POST",
        lambda o: "/road-blocks/new",
        ("title", "description", "building_block_id", "party_id", "bottleneck_ids"),
    ),
    "road_block_status": Form(
        "admin",
        "POST",
        lambda o: f"/road-blocks/{o['road_block'].id}/status",
        ("status", "version"),
    ),
    "cosign": Form(
        "coordinator",
        "POST",
        lambda o: f"/bottlenecks/{o['theirs'].id}/cosign",
        ("dsv_id", "context", "nonce"),
    ),
    "merge": Form(
        "admin",
        "POST",
        lambda o: f"/bottlenecks/{o['theirs'].id}/merge",
        ("target_id", "target_number", "nonce"),
    ),
    "event_new": Form(
        "liaison",
        "POST",
        lambda o: "/events/new",
        (
            "kind",
            "title",
            "description",
            "organiser",
            "day",
            "start",
            "end",
            "place",
            "online_url",
            "capacity",
            "audience",
            "audience_network_id",
            "invitee_ids",
        ),
    ),
    "party_new": Form(
        "admin",
        "POST",
        lambda o: "/admin/parties/new",
        ("name", "slug", "answer_working_days", "table_contact_email", "digest_cadence"),
    ),
    "user_new": Form(
        "admin",
        "POST",
        lambda o: "/admin/users/new",
        ("name", "email", "language", "is_admin", "dsv_ids", "party_ids"),
    ),
    "api_token": Form("member", "POST", lambda o: "/api-tokens/", ("name", "scope")),
    "calendar": Form("member", "POST", lambda o: "/calendar/", ()),
}


@pytest.fixture
def objects(ctx):
    world = builders.World()
    ours = builders.bottleneck(world.coordinator, title="Eigen knelpunt")
    theirs = builders.bottleneck(world.other_coordinator, title="Hun knelpunt")
    escalation = builders.escalation(world.coordinator, ours, world.party)
    road_block = road_blocks.create(
        world.admin,
        title="Fuzz",
        description="",
        party_id=None,
        building_block_id=theirs.building_block_id,
        bottleneck_ids=[theirs.id],
    )
    db.session.commit()
    people = {
        "member": world.member.email,
        "coordinator": world.coordinator.email,
        "liaison": world.liaison.email,
        "admin": world.admin.email,
    }
    named = {"ours": ours, "theirs": theirs, "escalation": escalation, "road_block": road_block}
    return people, named


def _client(app, people, role):
    client = app.test_client()
    if role != "anonymous":
        assert client.login(people[role], builders.PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("name", sorted(FORMS))
def test_no_form_input_causes_a_server_error(app, objects, name):
    people, named = objects
    form = FORMS[name]
    client = _client(app, people, form.role)
    url = form.url(named)
    token = client.token() if form.method == "POST" else None

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(form.fields, VALUE)))
    def submit(values):
        if form.method == "GET":
            response = client.get(url, query_string=values)
        else:
            response = client.post(url, data={"csrf_token": token, **values})
        assert response.status_code < 500, (values, response.status_code)

    submit()

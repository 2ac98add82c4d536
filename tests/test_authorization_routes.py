"""Every registered route x every role x a foreign object: a new route without a rule fails here.

Two foreign objects: a confidential bottleneck of another DSV escalated to another party (nobody
here may see it: 404), and a public one (readable by all members, but only its own DSV and the
addressed party may act on it: 403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests import builders
from tests.event_builders import event_input, local_day
from tracker.api import tokens as api_tokens
from tracker.api.models import ApiToken
from tracker.api.routes import OPERATIONS
from tracker.digests import services as digest_services
from tracker.digests.models import Cadence
from tracker.digests.windows import last_closed_window
from tracker.duplicates import services as duplicates
from tracker.events import closeout, ics
from tracker.events import services as events
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage
from tracker.roadblocks import services as road_blocks

ROLES = ("anonymous", "member", "coordinator", "liaison", "admin")
LOGIN = 302  # anonymous users are sent to the sign-in page


@dataclass
class Case:
    method: str
    url: Callable[[dict], str]
    expected: dict[str, int]


def same(status: int, **overrides: int) -> dict[str, int]:
    """Signed-in roles get `status`, anonymous users go to sign in, unless overridden."""
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], status), **overrides}


ADMIN_ONLY_GET = same(404, admin=200)
HIDDEN = same(404)
#: The JSON API ignores the session cookie: without a bearer token every role gets a 401.
API_WITHOUT_TOKEN = dict.fromkeys(ROLES, 401)


def _api_url(path: str, o: dict) -> str:
    ids = {
        "bottleneck_id": o["secret"].id,
        "escalation_id": o["secret_escalation"].id,
        "party_id": o["other_party"].id,
        "dsv_id": o["other_dsv"].id,
        "road_block_id": o["road_block"].id,
        "event_id": o["hidden_event"].id,
        "network_id": 999999,
    }
    return "/api/v1" + path.format(**ids)


ROUTES: dict[str, list[Case]] = {
    **{
        f"api.{op.endpoint}": [
            Case(op.method, lambda o, path=op.path: _api_url(path, o), API_WITHOUT_TOKEN)
        ]
        for op in OPERATIONS
    },
    "api_docs.openapi_json": [
        Case("GET", lambda o: "/api/openapi.json", dict.fromkeys(ROLES, 200))
    ],
    "api_docs.docs": [Case("GET", lambda o: "/api/docs", dict.fromkeys(ROLES, 200))],
    "api_tokens.index": [Case("GET", lambda o: "/api-tokens/", same(200))],
    # The shared form data has no token name: signed-in users get the form back with an error.
    "api_tokens.create": [Case("POST", lambda o: "/api-tokens/", same(422))],
    "api_tokens.revoke": [
        Case("POST", lambda o: f"/api-tokens/{o['api_token'].id}/revoke", HIDDEN),
    ],
    "static": [Case("GET", lambda o: "/static/css/tracker.css", dict.fromkeys(ROLES, 200))],
    "dashboard.index": [Case("GET", lambda o: "/", same(200))],
    "dashboard.language": [Case("POST", lambda o: "/language", dict.fromkeys(ROLES, 302))],
    "dashboard.healthz": [Case("GET", lambda o: "/healthz", dict.fromkeys(ROLES, 200))],
    "auth.login": [Case("GET", lambda o: "/auth/login", same(302, anonymous=200))],
    "auth.logout": [Case("POST", lambda o: "/auth/logout", same(302))],
    "auth.accept_invite": [
        Case("GET", lambda o: "/auth/invite/not-a-token", dict.fromkeys(ROLES, 422))
    ],
    "auth.reset_password": [
        Case("GET", lambda o: "/auth/reset/not-a-token", dict.fromkeys(ROLES, 422))
    ],
    "auth.account": [Case("GET", lambda o: "/auth/account", same(200))],
    "auth.account_personal_data": [
        Case("GET", lambda o: "/auth/account/personal-data.json", same(200))
    ],
    "auth.forgot_password": [Case("GET", lambda o: "/auth/forgot", dict.fromkeys(ROLES, 200))],
    "notifications.index": [Case("GET", lambda o: "/admin/outbox/", ADMIN_ONLY_GET)],
    "notifications.detail": [
        Case("GET", lambda o: f"/admin/outbox/{o['mail'].id}", ADMIN_ONLY_GET),
        Case("GET", lambda o: "/admin/outbox/999999", HIDDEN),
    ],
    "notifications.resend": [
        Case("POST", lambda o: f"/admin/outbox/{o['mail'].id}/resend", same(404, admin=302)),
    ],
    "digests.archive": [
        Case("GET", lambda o: f"/digests/{o['other_party'].slug}", same(200)),
        Case("GET", lambda o: "/digests/no-such-party", HIDDEN),
    ],
    "digests.show": [
        Case("GET", lambda o: f"/digests/show/{o['digest'].id}", same(200)),
        Case("GET", lambda o: "/digests/show/999999", HIDDEN),
    ],
    "roadblocks.index": [Case("GET", lambda o: "/road-blocks/", same(200))],
    "roadblocks.export": [Case("GET", lambda o: "/road-blocks/export.csv", same(200))],
    "roadblocks.create": [
        Case("GET", lambda o: "/road-blocks/new", same(404, liaison=200, admin=200))
    ],
    "roadblocks.detail": [
        Case("GET", lambda o: f"/road-blocks/{o['road_block'].id}", same(200)),
        Case("GET", lambda o: "/road-blocks/999999", HIDDEN),
    ],
    "roadblocks.candidates": [
        Case(
            "GET",
            lambda o: f"/road-blocks/{o['road_block'].id}/candidates?q=a",
            same(404, liaison=200, admin=200),
        ),
        Case("GET", lambda o: "/road-blocks/999999/candidates", HIDDEN),
    ],
    "roadblocks.add": [
        Case(
            "POST",
            lambda o: f"/road-blocks/{o['road_block'].id}/bottlenecks",
            same(404, liaison=422, admin=422),
        ),
    ],
    "roadblocks.remove": [
        Case(
            "POST",
            lambda o: f"/road-blocks/{o['road_block'].id}/bottlenecks/{o['public'].id}/remove",
            same(404, liaison=302, admin=302),
        ),
    ],
    "roadblocks.status": [
        Case(
            "POST",
            lambda o: f"/road-blocks/{o['road_block'].id}/status",
            same(404, liaison=422, admin=422),
        ),
    ],
    "duplicates.similar": [
        Case("GET", lambda o: "/bottlenecks/similar?title=wachtlijst", same(404, coordinator=200))
    ],
    "duplicates.cosign_bottleneck": [
        Case("GET", lambda o: f"/bottlenecks/{o['secret'].id}/cosign", HIDDEN),
        Case("GET", lambda o: f"/bottlenecks/{o['public'].id}/cosign", same(403, coordinator=200)),
    ],
    "duplicates.cosign_road_block": [
        Case(
            "GET", lambda o: f"/road-blocks/{o['road_block'].id}/cosign", same(403, coordinator=200)
        ),
        Case("GET", lambda o: "/road-blocks/999999/cosign", HIDDEN),
    ],
    "duplicates.withdraw": [
        Case("POST", lambda o: f"/cosignatures/{o['cosignature'].id}/withdraw", same(403)),
        Case("POST", lambda o: "/cosignatures/999999/withdraw", HIDDEN),
    ],
    "duplicates.merge": [
        Case("GET", lambda o: f"/bottlenecks/{o['secret'].id}/merge", HIDDEN),
        Case(
            "GET",
            lambda o: f"/bottlenecks/{o['public'].id}/merge",
            same(403, liaison=200, admin=200),
        ),
    ],
    "duplicates.undo_merge": [
        Case("POST", lambda o: f"/merges/{o['merge'].id}/undo", same(403, liaison=302, admin=302)),
        Case("POST", lambda o: "/merges/999999/undo", HIDDEN),
    ],
    # The foreign event is organised by the other party for invited people only: nobody here
    # sees it (404) except programme staff, who manage every event.
    "events.index": [Case("GET", lambda o: "/events/", same(200))],
    "events.create": [Case("GET", lambda o: "/events/new", same(404, liaison=200, admin=200))],
    "events.detail": [
        Case("GET", lambda o: f"/events/{o['event'].id}", same(200)),
        Case("GET", lambda o: f"/events/{o['hidden_event'].id}", same(404, admin=200)),
        Case("GET", lambda o: "/events/999999", HIDDEN),
    ],
    "events.ics_download": [
        Case("GET", lambda o: f"/events/{o['event'].id}.ics", same(200)),
        Case("GET", lambda o: f"/events/{o['hidden_event'].id}.ics", same(404, admin=200)),
    ],
    "events.edit": [
        Case("GET", lambda o: f"/events/{o['event'].id}/edit", same(403, admin=200)),
        Case("GET", lambda o: f"/events/{o['hidden_event'].id}/edit", same(404, admin=200)),
    ],
    "events.cancel": [
        Case("POST", lambda o: f"/events/{o['event'].id}/cancel", same(403, admin=422)),
        Case("POST", lambda o: f"/events/{o['hidden_event'].id}/cancel", same(404, admin=422)),
    ],
    "events.register": [
        Case("POST", lambda o: f"/events/{o['event'].id}/register", same(403)),  # started
        Case("POST", lambda o: f"/events/{o['hidden_event'].id}/register", same(404, admin=302)),
    ],
    "events.unregister": [
        Case("POST", lambda o: f"/events/{o['event'].id}/unregister", same(422)),
        Case("POST", lambda o: f"/events/{o['hidden_event'].id}/unregister", same(404, admin=422)),
    ],
    "events.registrations_list": [
        Case("GET", lambda o: f"/events/{o['event'].id}/registrations", same(403, admin=200)),
        Case(
            "GET", lambda o: f"/events/{o['hidden_event'].id}/registrations", same(404, admin=200)
        ),
    ],
    "events.agenda_candidates": [
        Case(
            "GET", lambda o: f"/events/{o['event'].id}/agenda/candidates?q=a", same(403, admin=200)
        ),
        Case(
            "GET",
            lambda o: f"/events/{o['hidden_event'].id}/agenda/candidates",
            same(404, admin=200),
        ),
    ],
    "events.agenda_add": [
        Case("POST", lambda o: f"/events/{o['event'].id}/agenda", same(403, admin=422)),
        Case("POST", lambda o: f"/events/{o['hidden_event'].id}/agenda", same(404, admin=422)),
    ],
    "events.agenda_remove": [
        Case(
            "POST",
            lambda o: f"/events/{o['event'].id}/agenda/{o['item'].id}/remove",
            same(403, admin=302),
        ),
        Case("POST", lambda o: f"/events/{o['hidden_event'].id}/agenda/1/remove", same(404)),
    ],
    "events.agenda_move": [
        Case(
            "POST",
            lambda o: f"/events/{o['event'].id}/agenda/{o['item'].id}/down",
            same(403, admin=302),
        ),
        Case("POST", lambda o: f"/events/{o['hidden_event'].id}/agenda/1/up", same(404)),
    ],
    "events.close": [
        Case("GET", lambda o: f"/events/{o['event'].id}/close", same(403, admin=200)),
        Case("POST", lambda o: f"/events/{o['hidden_event'].id}/close", same(404, admin=422)),
    ],
    "events.action_add": [
        Case("POST", lambda o: f"/events/{o['event'].id}/actions", same(403, admin=422)),
    ],
    "events.action_done": [
        Case("POST", lambda o: f"/events/actions/{o['action'].id}/done", same(403, admin=302)),
        Case("POST", lambda o: "/events/actions/999999/done", HIDDEN),
    ],
    "calendar.manage": [Case("GET", lambda o: "/calendar/", same(200))],
    "calendar.create": [Case("POST", lambda o: "/calendar/", same(200))],
    "calendar.revoke": [Case("POST", lambda o: "/calendar/revoke", same(302))],
    "calendar.feed": [
        Case("GET", lambda o: "/calendar/not-a-token.ics", dict.fromkeys(ROLES, 404)),
        Case("GET", lambda o: f"/calendar/{o['feed_token']}.ics", dict.fromkeys(ROLES, 200)),
    ],
    "bottlenecks.index": [Case("GET", lambda o: "/bottlenecks/", same(200))],
    "bottlenecks.export": [Case("GET", lambda o: "/bottlenecks/export.csv", same(200))],
    "bottlenecks.create": [Case("GET", lambda o: "/bottlenecks/new", same(404, coordinator=200))],
    "bottlenecks.detail": [
        Case("GET", lambda o: f"/bottlenecks/{o['secret'].id}", HIDDEN),
        Case("GET", lambda o: f"/bottlenecks/{o['public'].id}", same(200)),
    ],
    "bottlenecks.edit": [
        Case("GET", lambda o: f"/bottlenecks/{o['secret'].id}/edit", HIDDEN),
        Case("GET", lambda o: f"/bottlenecks/{o['public'].id}/edit", same(403)),
    ],
    "bottlenecks.follow": [
        Case("POST", lambda o: f"/bottlenecks/{o['secret'].id}/follow", HIDDEN),
        Case("POST", lambda o: f"/bottlenecks/{o['public'].id}/follow", same(302)),
    ],
    "bottlenecks.comment": [
        Case("POST", lambda o: f"/bottlenecks/{o['secret'].id}/comments", HIDDEN),
        Case("POST", lambda o: f"/bottlenecks/{o['public'].id}/comments", same(403)),
    ],
    "escalations.escalate": [
        Case("GET", lambda o: f"/bottlenecks/{o['secret'].id}/escalate", HIDDEN),
        Case("GET", lambda o: f"/bottlenecks/{o['public'].id}/escalate", same(403)),
    ],
    "escalations.inbox": [Case("GET", lambda o: "/inbox", same(404, liaison=200))],
    "escalations.inbox_export": [
        Case("GET", lambda o: "/inbox/export.csv", same(404, liaison=200)),
        Case("GET", lambda o: "/inbox/export.csv?status=nonsense", same(404, liaison=400)),
    ],
    "escalations.act": [
        Case("GET", lambda o: f"/escalations/{o['secret_escalation'].id}/acknowledge", HIDDEN),
        Case("POST", lambda o: f"/escalations/{o['secret_escalation'].id}/acknowledge", HIDDEN),
        Case("GET", lambda o: f"/escalations/{o['public_escalation'].id}/acknowledge", same(403)),
        Case("POST", lambda o: f"/escalations/{o['public_escalation'].id}/withdraw", same(403)),
        Case(
            "GET", lambda o: f"/escalations/{o['public_escalation'].id}/no-such-action", same(404)
        ),
    ],
    "insights.index": [Case("GET", lambda o: "/insights/", same(200))],
    "insights.response_times": [Case("GET", lambda o: "/insights/response-times", same(200))],
    "insights.response_times_export": [
        Case("GET", lambda o: "/insights/response-times.csv", same(200))
    ],
    "insights.congestion": [Case("GET", lambda o: "/insights/congestion", same(200))],
    "insights.congestion_export": [
        Case("GET", lambda o, t=table: f"/insights/congestion/{t}.csv", same(200))
        for table in ("dsvs", "road-blocks", "themes")
    ]
    + [Case("GET", lambda o: "/insights/congestion/secrets.csv", dict.fromkeys(ROLES, 404))],
    "directory.overview": [Case("GET", lambda o: "/admin/", ADMIN_ONLY_GET)],
    "directory.rows": [Case("GET", lambda o: "/admin/dsvs/", ADMIN_ONLY_GET)],
    "directory.edit": [
        Case("GET", lambda o: "/admin/parties/new", ADMIN_ONLY_GET),
        Case("GET", lambda o: f"/admin/dsvs/{o['other_dsv'].id}/edit", ADMIN_ONLY_GET),
        Case("GET", lambda o: "/admin/dsvs/999999/edit", HIDDEN),
    ],
    "directory.rows_export": [
        Case("GET", lambda o, k=key: f"/admin/{k}/export.csv", ADMIN_ONLY_GET)
        for key in ("parties", "networks", "dsvs")
    ],
    "directory.users": [Case("GET", lambda o: "/admin/users/", ADMIN_ONLY_GET)],
    "directory.user_personal_data": [
        Case(
            "GET", lambda o: f"/admin/users/{o['other_user'].id}/personal-data.json", ADMIN_ONLY_GET
        ),
        Case("GET", lambda o: "/admin/users/999999/personal-data.json", HIDDEN),
    ],
    "directory.user_delete": [
        Case("GET", lambda o: f"/admin/users/{o['other_user'].id}/delete", ADMIN_ONLY_GET),
        Case("POST", lambda o: f"/admin/users/{o['other_user'].id}/delete", same(404, admin=422)),
        Case("GET", lambda o: "/admin/users/999999/delete", HIDDEN),
    ],
    "directory.registry_import_page": [Case("GET", lambda o: "/admin/import", ADMIN_ONLY_GET)],
    "directory.registry_import_apply": [
        Case("POST", lambda o: "/admin/import/apply", same(404, admin=422))
    ],
    "directory.registry_export": [
        Case("GET", lambda o: "/admin/import/registry.csv", ADMIN_ONLY_GET)
    ],
    "directory.users_export": [Case("GET", lambda o: "/admin/users/export.csv", ADMIN_ONLY_GET)],
    "directory.user_new": [Case("GET", lambda o: "/admin/users/new", ADMIN_ONLY_GET)],
    "directory.user_edit": [
        Case("GET", lambda o: f"/admin/users/{o['other_user'].id}/edit", ADMIN_ONLY_GET),
    ],
    "directory.user_invite": [
        Case("POST", lambda o: f"/admin/users/{o['invitee'].id}/invite", ADMIN_ONLY_GET),
    ],
    "directory.user_reset": [
        Case("POST", lambda o: f"/admin/users/{o['other_user'].id}/reset", ADMIN_ONLY_GET),
    ],
}


def test_every_registered_route_has_an_authorization_rule(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered == set(ROUTES), (
        f"routes without a rule: {registered - set(ROUTES)}; "
        f"rules without a route: {set(ROUTES) - registered}"
    )


@pytest.fixture
def objects(ctx):
    world = builders.World()
    foreign_author = world.other_coordinator
    secret = builders.bottleneck(foreign_author, confidential=True, title="Vertrouwelijk")
    public = builders.bottleneck(foreign_author, title="Openbaar")
    secret_escalation = builders.escalation(foreign_author, secret, world.other_party)
    public_escalation = builders.escalation(foreign_author, public, world.other_party)
    invitee = builders.user()
    invitee.password_hash = None
    mail = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    window = last_closed_window(Cadence.WEEKLY, datetime.now(UTC) + timedelta(days=8))
    duplicate = builders.bottleneck(foreign_author, title="Dubbel")
    road_block = road_blocks.create(
        world.admin,
        title="Systeemknelpunt",
        description="",
        party_id=None,
        building_block_id=public.building_block_id,
        bottleneck_ids=[public.id],
    )
    db.session.commit()
    # An open event of the other party that has started (so it can be closed out), and a
    # future invitation-only one of the other party that nobody here is invited to.
    with time_machine.travel(datetime.now(UTC) - timedelta(days=30)):
        event = events.create(
            world.other_liaison,
            event_input(world.other_party.id, day=local_day(1), capacity=10),
        )
    hidden_event = events.create(
        world.other_liaison,
        event_input(world.other_party.id, audience="invitation", invitee_ids=[]),
    )
    item = events.add_agenda_item(world.admin, event.id, road_block_id=road_block.id)
    events.add_agenda_item(world.admin, event.id, bottleneck_id=public.id)
    action = closeout.add_action(
        world.admin,
        event.id,
        title="Notitie opstellen",
        owner=f"party:{world.other_party.id}",
        due=local_day(10),
    )
    return world, {
        "secret": secret,
        "public": public,
        "secret_escalation": secret_escalation,
        "public_escalation": public_escalation,
        "other_dsv": world.other_dsv,
        "other_user": world.other_coordinator,
        "invitee": invitee,
        "mail": mail,
        "other_party": world.other_party,
        "road_block": road_block,
        "cosignature": duplicates.cosign_road_block(
            foreign_author, road_block.id, world.other_dsv.id, "Hier ook."
        ),
        "merge": duplicates.merge(world.admin, duplicate.id, public.id),
        "event": event,
        "hidden_event": hidden_event,
        "item": item,
        "action": action,
        "feed_token": ics.create_feed(world.other_coordinator),
        "digest": digest_services.compile_digest(world.other_party, *window),
        "api_token": _foreign_api_token(world),
    }


def _foreign_api_token(world):
    api_tokens.create_token(world.other_coordinator, "Ander systeem", "write")
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == world.other_coordinator.id)
    ).one()


def _client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        person = {
            "member": world.member,
            "coordinator": world.coordinator,
            "liaison": world.liaison,
            "admin": world.admin,
        }[role]
        response = client.login(person.email, builders.PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return client


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_outcome_per_role_on_foreign_objects(app, objects, endpoint):
    world, named = objects
    failures = []
    for role in ROLES:
        client = _client_for(app, world, role)
        for case in ROUTES[endpoint]:
            url = case.url(named)
            if case.method == "GET":
                response = client.get(url)
            elif case.method == "POST":
                response = client.post_form(url, {"body": "x", "note": "x", "language": "en"})
            else:
                response = client.open(url, method=case.method, json={})
            if response.status_code != case.expected[role]:
                failures.append(
                    f"{role} {case.method} {url}: {response.status_code}, "
                    f"expected {case.expected[role]}"
                )
    assert not failures, "\n".join(failures)

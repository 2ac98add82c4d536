"""The JSON API as a party's own system uses it: bearer tokens, the inbox loop, errors, caching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from openapi_spec_validator import validate
from sqlalchemy import select

from tests import builders
from tracker.api import tokens
from tracker.api.models import ApiRateWindow, ApiToken
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent

V1 = "/api/v1"


@pytest.fixture
def world(ctx):
    return builders.World()


def bearer(raw: str, language: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}", "Accept-Language": language}


def token_for(user, scope: str = "write") -> str:
    return tokens.create_token(user, f"{user.name} system", scope)


@pytest.fixture
def escalated(world):
    item = builders.bottleneck(world.coordinator, title="Geen KvK-nummer voor de DSV")
    return builders.escalation(world.coordinator, item, world.party)


# -- Authentication -----------------------------------------------------------------------------


def test_a_request_without_a_token_is_401_with_a_json_error(client, world):
    response = client.get(f"{V1}/escalations", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["code"] == "unauthorized"
    assert "Bearer" in response.json["error"]["message"]


def test_an_unknown_token_is_401(client, world):
    assert client.get(f"{V1}/me", headers=bearer("dsvt_not-a-token")).status_code == 401


def test_a_revoked_token_stops_working(client, world):
    raw = token_for(world.liaison)
    assert client.get(f"{V1}/me", headers=bearer(raw)).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.liaison.id))
    tokens.revoke_token(world.liaison, token.id)
    assert client.get(f"{V1}/me", headers=bearer(raw)).status_code == 401


def test_a_deactivated_users_tokens_stop_working(client, world):
    raw = token_for(world.liaison)
    world.liaison.active = False
    db.session.commit()
    assert client.get(f"{V1}/me", headers=bearer(raw)).status_code == 401


def test_a_session_cookie_is_not_enough_for_the_api(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    assert client.get(f"{V1}/me").status_code == 401


def test_only_the_hash_is_stored_and_last_use_is_stamped(client, world):
    raw = token_for(world.liaison, "read")
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.liaison.id))
    assert raw not in token.token_hash and len(token.token_hash) == 64
    assert token.last_used_at is None
    me = client.get(f"{V1}/me", headers=bearer(raw)).json
    assert me == {
        "id": world.liaison.id,
        "name": world.liaison.name,
        "language": "nl",
        "party_ids": [world.party.id],
        "dsv_ids": [],
        "scope": "read",
    }
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_last_use_is_stamped_to_the_minute_and_finished_windows_are_dropped(client, world):
    raw = token_for(world.liaison, "read")
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.liaison.id))

    def call_at(second: int) -> None:
        moment = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC) + timedelta(seconds=second)
        with time_machine.travel(moment, tick=False):
            assert client.get(f"{V1}/me", headers=bearer(raw)).status_code == 200
        db.session.refresh(token)

    call_at(10)
    assert token.last_used_at == datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    call_at(40)  # within a minute of the stamp: the token row is left alone
    assert token.last_used_at == datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    assert db.session.scalars(select(ApiRateWindow.count)).all() == [2]
    call_at(75)  # a new window and a stale stamp
    assert token.last_used_at == datetime(2026, 3, 2, 9, 1, 15, tzinfo=UTC)
    windows = db.session.execute(select(ApiRateWindow.window_start, ApiRateWindow.count)).all()
    assert windows == [(datetime(2026, 3, 2, 9, 1, tzinfo=UTC), 1)]


def test_a_read_token_cannot_act(client, world, escalated):
    raw = token_for(world.liaison, "read")
    response = client.post(
        f"{V1}/escalations/{escalated.id}/actions",
        json={"action": "acknowledge", "version": escalated.version},
        headers=bearer(raw),
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


# -- The inbox loop -------------------------------------------------------------------------------


def test_a_party_system_does_the_whole_inbox_loop(client, world, escalated):
    party = bearer(token_for(world.liaison))
    inbox = client.get(f"{V1}/escalations?status=submitted", headers=party).json
    (item,) = inbox["items"]
    assert item["id"] == escalated.id
    assert item["agency_responsible"] == "Partij Eigen"
    assert item["status"] == "submitted"
    assert item["expected_datetime"] is not None
    assert set(item["available_actions"]) == {"acknowledge", "respond", "forward", "close"}
    assert inbox["next_cursor"] is None

    acknowledged = client.post(
        f"{V1}/escalations/{item['id']}/actions",
        json={"action": "acknowledge", "version": item["version"]},
        headers=party,
    )
    assert acknowledged.status_code == 200, acknowledged.json
    assert acknowledged.json["status"] == "acknowledged"

    answered = client.post(
        f"{V1}/escalations/{item['id']}/actions",
        json={
            "action": "respond",
            "version": acknowledged.json["version"],
            "note": "We nemen dit mee in de regeling.",
        },
        headers=party,
    ).json
    assert answered["status"] == "answered"
    assert answered["status_notes"] == "We nemen dit mee in de regeling."
    assert answered["expected_datetime"] is None
    assert client.get(f"{V1}/escalations?status=submitted", headers=party).json["items"] == []

    dsv = bearer(token_for(world.coordinator))
    accepted = client.post(
        f"{V1}/escalations/{item['id']}/actions",
        json={"action": "accept", "version": answered["version"]},
        headers=dsv,
    ).json
    assert accepted["status"] == "accepted"
    bottleneck = client.get(f"{V1}/bottlenecks/{escalated.bottleneck_id}", headers=dsv).json
    assert bottleneck["status"] == "resolved"

    since = escalated.submitted_at.isoformat()
    feed = client.get(f"{V1}/updates", query_string={"since": since}, headers=party).json
    kinds = [e["kind"] for e in feed["items"]]
    steps = [
        e for e in feed["items"] if e["escalation_id"] == item["id"] and e["kind"] != "escalated"
    ]
    assert [e["kind"] for e in steps] == ["acknowledge", "respond", "accept"], kinds
    assert steps[1]["actor_id"] == world.liaison.id and steps[1]["body"].startswith("We nemen")
    times = [e["created_at"] for e in feed["items"]]
    assert times == sorted(times)


def test_a_stale_version_and_an_impossible_step_are_409(client, world, escalated):
    party = bearer(token_for(world.liaison))
    url = f"{V1}/escalations/{escalated.id}/actions"
    stale = client.post(url, json={"action": "acknowledge", "version": 99}, headers=party)
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "conflict"
    assert stale.json["error"]["message"].startswith("This item changed since you read it")
    dsv = bearer(token_for(world.coordinator))
    wrong = client.post(url, json={"action": "accept", "version": escalated.version}, headers=dsv)
    assert wrong.status_code == 409
    assert "not possible" in wrong.json["error"]["message"]


def test_the_dsv_side_cannot_acknowledge_for_the_party(client, world, escalated):
    dsv = bearer(token_for(world.coordinator))
    response = client.post(
        f"{V1}/escalations/{escalated.id}/actions",
        json={"action": "acknowledge", "version": escalated.version},
        headers=dsv,
    )
    assert response.status_code == 403


def test_another_party_cannot_see_the_escalation(client, world, escalated):
    other = bearer(token_for(world.other_liaison))
    assert client.get(f"{V1}/escalations", headers=other).json["items"] == []
    # The bottleneck is public, so its escalation is readable, but not theirs to answer.
    assert client.get(f"{V1}/escalations/{escalated.id}", headers=other).status_code == 200
    response = client.post(
        f"{V1}/escalations/{escalated.id}/actions",
        json={"action": "acknowledge", "version": escalated.version},
        headers=other,
    )
    assert response.status_code == 403


def test_a_confidential_bottleneck_of_another_dsv_is_404_as_in_the_ui(client, world):
    secret = builders.bottleneck(world.other_coordinator, confidential=True)
    raw = token_for(world.coordinator)
    response = client.get(f"{V1}/bottlenecks/{secret.id}", headers=bearer(raw))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    listed = client.get(f"{V1}/bottlenecks", headers=bearer(raw)).json["items"]
    assert secret.id not in [b["id"] for b in listed]
    timeline = client.get(f"{V1}/bottlenecks/{secret.id}/timeline", headers=bearer(raw))
    assert timeline.status_code == 404


def test_a_coordinator_logs_and_edits_a_bottleneck(client, world):
    dsv = bearer(token_for(world.coordinator))
    created = client.post(
        f"{V1}/bottlenecks",
        json={
            "dsv_id": world.dsv.id,
            "title": "Subsidie te kort",
            "description": "Eén jaar is te kort.",
            "building_block_id": builders.block().id,
        },
        headers=dsv,
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["owner_id"] == world.coordinator.id and body["status"] == "open"
    changed = client.patch(
        f"{V1}/bottlenecks/{body['id']}",
        json={"version": body["version"], "impact": "high"},
        headers=dsv,
    ).json
    assert (changed["impact"], changed["title"]) == ("high", "Subsidie te kort")
    events = client.get(f"{V1}/bottlenecks/{body['id']}/timeline", headers=dsv).json["items"]
    assert [e["kind"] for e in events] == ["created", "changed"]
    other = bearer(token_for(world.other_coordinator))
    refused = client.patch(
        f"{V1}/bottlenecks/{body['id']}", json={"version": 2, "impact": "low"}, headers=other
    )
    assert refused.status_code == 403


# -- Lists, caching, limits, errors -------------------------------------------------------------


def test_cursors_walk_every_row_once(client, world):
    raw = token_for(world.member, "read")
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{V1}/building-blocks", query_string=query, headers=bearer(raw)).json
        seen += [b["code"] for b in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7 and pages == 3


def test_a_broken_cursor_is_400(client, world):
    raw = token_for(world.member, "read")
    response = client.get(f"{V1}/parties?cursor=bm9wZQ", headers=bearer(raw))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid"


def test_reads_carry_an_etag_and_answer_304_when_unchanged(client, world):
    raw = token_for(world.member, "read")
    first = client.get(f"{V1}/parties", headers=bearer(raw))
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(f"{V1}/parties", headers={**bearer(raw), "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    builders.party("Nieuwe partij")
    db.session.commit()
    changed = client.get(f"{V1}/parties", headers={**bearer(raw), "If-None-Match": etag})
    assert changed.status_code == 200


def test_the_rate_limit_is_per_token_and_answers_429(app, client, world):
    raw, other = token_for(world.member, "read"), token_for(world.liaison, "read")
    app.config["API_RATE_LIMIT"] = 2
    try:
        with time_machine.travel(datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC), tick=False):
            statuses = [client.get(f"{V1}/me", headers=bearer(raw)).status_code for _ in range(3)]
            limited = client.get(f"{V1}/me", headers=bearer(raw))
            assert client.get(f"{V1}/me", headers=bearer(other)).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = 300
    assert statuses == [200, 200, 429]
    assert limited.json["error"]["code"] == "rate_limited"
    assert limited.headers["Retry-After"] == "50"  # the window ends on the whole minute
    counts = db.session.scalars(select(ApiRateWindow.count)).all()
    assert sorted(counts) == [1, 4]


def test_bad_input_is_422_with_a_message_per_field(client, world, escalated):
    party = bearer(token_for(world.liaison))
    url = f"{V1}/escalations/{escalated.id}/actions"
    response = client.post(url, json={"action": "dance", "extra": 1}, headers=party)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"action", "version", "extra"}
    assert fields["version"] == "This field is required."
    not_json = client.post(url, data="action=acknowledge", headers=party)
    assert not_json.status_code == 422 and "body" in not_json.json["error"]["fields"]
    no_note = client.post(
        url, json={"action": "respond", "version": escalated.version}, headers=party
    )
    assert no_note.status_code == 422
    assert client.get(f"{V1}/parties?limit=0", headers=party).status_code == 422
    assert client.get(f"{V1}/escalations?status=late", headers=party).status_code == 422
    assert client.get(f"{V1}/updates?since=yesterday", headers=party).status_code == 422


def test_error_messages_follow_accept_language(client, world):
    raw = token_for(world.member, "read")
    dutch = client.get(f"{V1}/bottlenecks/999999", headers=bearer(raw, "nl")).json
    english = client.get(f"{V1}/bottlenecks/999999", headers=bearer(raw, "en")).json
    assert english["error"]["message"] == "This page does not exist or you have no access to it."
    assert dutch["error"]["message"] != english["error"]["message"]
    assert "bestaat niet" in dutch["error"]["message"]
    missing = client.get(f"{V1}/updates", headers=bearer(raw, "nl")).json["error"]["fields"]
    assert missing["since"] == "Dit veld is verplicht."


def test_unknown_api_paths_and_methods_answer_json(client, world):
    raw = token_for(world.member)
    assert client.get(f"{V1}/nothing", headers=bearer(raw)).json["error"]["code"] == "not_found"
    response = client.delete(f"{V1}/parties", headers=bearer(raw))
    assert response.status_code == 405 and response.json["error"]["code"] == "invalid"


def test_road_blocks_list_only_visible_members(client, world):
    from tracker.roadblocks import services as road_blocks

    public = builders.bottleneck(world.other_coordinator, title="Openbaar")
    later_secret = builders.bottleneck(world.other_coordinator, title="Later vertrouwelijk")
    road_block = road_blocks.create(
        world.admin,
        title="Systeemknelpunt",
        description="",
        party_id=None,
        building_block_id=public.building_block_id,
        bottleneck_ids=[public.id, later_secret.id],
    )
    later_secret.is_confidential = True  # made confidential after it joined
    db.session.commit()
    raw = token_for(world.coordinator, "read")
    body = client.get(f"{V1}/road-blocks/{road_block.id}", headers=bearer(raw)).json
    assert body["bottleneck_ids"] == [public.id]
    listed = client.get(f"{V1}/road-blocks", headers=bearer(raw)).json["items"]
    assert [r["bottleneck_ids"] for r in listed] == [[public.id]]


# -- The document -------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_lists_every_api_route(app, client):
    document = client.get("/api/openapi.json").json
    validate(document)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    registered = {
        (method, rule.rule.replace("<int:", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == registered


def test_the_docs_page_renders_without_scripts(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "POST /api/v1/escalations/{escalation_id}/actions" in page
    assert "<script" not in page


def test_token_events_are_on_the_users_timeline(world):
    tokens.create_token(world.liaison, "Zaaksysteem", "write")
    kinds = db.session.scalars(
        select(TimelineEvent.kind).where(
            TimelineEvent.subject_type == "user", TimelineEvent.subject_id == world.liaison.id
        )
    ).all()
    assert kinds == ["api_token_created"]

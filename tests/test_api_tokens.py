"""The account pages for personal API tokens: made and shown once, listed, revoked."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from tests import builders
from tracker.api import tokens
from tracker.api.models import ApiToken
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent

TOKEN_RE = re.compile(r'id="api-token"[^>]*value="(dsvt_[^"]+)"')


@pytest.fixture
def world(ctx):
    return builders.World()


def _tokens(user) -> list[ApiToken]:
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()


def test_the_account_page_links_to_the_token_page(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    assert 'href="/api-tokens/"' in client.get("/auth/account").get_data(as_text=True)


def test_a_token_is_shown_once_stored_hashed_and_works_on_the_api(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    page = client.post_form("/api-tokens/", {"name": "Zaaksysteem", "scope": "write"})
    raw = TOKEN_RE.search(page.get_data(as_text=True)).group(1)
    (token,) = _tokens(world.liaison)
    assert (token.name, token.scope) == ("Zaaksysteem", "write")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in client.get("/api-tokens/").get_data(as_text=True)

    api = client.application.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.json["scope"] == "write"
    listing = client.get("/api-tokens/").get_data(as_text=True)
    assert "Zaaksysteem" in listing and "nooit" not in listing  # last use is shown


def test_a_token_needs_a_name_and_a_known_scope(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    assert client.post_form("/api-tokens/", {"name": "", "scope": "read"}).status_code == 422
    assert client.post_form("/api-tokens/", {"name": "x", "scope": "admin"}).status_code == 422
    assert _tokens(world.liaison) == []


def test_the_form_needs_its_csrf_token(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    assert client.post("/api-tokens/", data={"name": "x", "scope": "read"}).status_code == 400
    assert _tokens(world.liaison) == []


def test_revoking_stops_the_token_and_is_on_the_users_timeline(client, world):
    client.login(world.liaison.email, builders.PASSWORD)
    page = client.post_form("/api-tokens/", {"name": "Koppeling", "scope": "read"})
    raw = TOKEN_RE.search(page.get_data(as_text=True)).group(1)
    (token,) = _tokens(world.liaison)
    assert client.post_form(f"/api-tokens/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    api = client.application.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    kinds = db.session.scalars(
        select(TimelineEvent.kind)
        .where(TimelineEvent.subject_type == "user", TimelineEvent.subject_id == world.liaison.id)
        .order_by(TimelineEvent.id)
    ).all()
    assert kinds == ["api_token_created", "api_token_revoked"]


def test_another_users_token_cannot_be_revoked(client, world):
    tokens.create_token(world.other_liaison, "Van een ander", "read")
    (foreign,) = _tokens(world.other_liaison)
    client.login(world.liaison.email, builders.PASSWORD)
    assert client.post_form(f"/api-tokens/{foreign.id}/revoke").status_code == 404
    db.session.refresh(foreign)
    assert foreign.revoked_at is None

"""Pickers search while typing: matches appear without pressing Search, and can be added."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import MARKS
from tests.browser.pages import picker_search
from tracker.extensions import db
from tracker.roadblocks.models import RoadBlock

pytestmark = MARKS


def test_bottlenecks_to_add_appear_while_typing(people, live):
    with live.app.app_context():
        road_block = db.session.scalar(select(RoadBlock).order_by(RoadBlock.id))
        road_block_id, word = road_block.id, picker_search(road_block)
    admin = people.sign_in("admin@demo.example")
    admin.goto(f"/road-blocks/{road_block_id}")
    expect(admin.locator("#candidates input[type=checkbox]")).to_have_count(0)
    admin.locator("#candidates-search").press_sequentially(word, delay=50)
    first = admin.locator("#candidates input[type=checkbox]").first
    expect(first).to_be_visible()
    expect(admin.locator("#candidates-status")).to_contain_text(word)
    assert f"q={word}" in admin.url  # a reload shows the same matches
    title = admin.locator(f"label[for='{first.get_attribute('id')}']").inner_text()
    first.check()
    admin.locator("#candidates button").click()
    expect(admin.locator(".alert-success")).to_be_visible()
    expect(admin.locator("main li a", has_text=title.rsplit(" (", 1)[0])).to_be_visible()

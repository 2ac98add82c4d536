"""The escalate and respond forms work with the keyboard alone, with a visible focus."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import MARKS
from tracker.auth.models import User
from tracker.bottlenecks.models import Bottleneck
from tracker.extensions import db

pytestmark = MARKS

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    id: el.id, name: el.getAttribute('name'), tag: el.tagName.toLowerCase(),
    visible: el.matches(':focus-visible') && style.outlineStyle !== 'none'
      && parseFloat(style.outlineWidth) >= 2,
  };
}"""


def tab_to(page: Page, predicate, limit: int = 60) -> dict:
    """Press Tab until the focused element matches; every stop must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"], f"focus not visible on {focused}"
        if predicate(focused):
            return focused
    raise AssertionError("never reached the element with Tab")


def _unescalated_bottleneck(live) -> int:
    with live.app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == "bram@demo.example"))
        return db.session.scalar(
            select(Bottleneck.id)
            .where(Bottleneck.dsv_id.in_(coordinator.dsv_ids), ~Bottleneck.escalations.any())
            .order_by(Bottleneck.id)
            .limit(1)
        )


def test_escalate_and_respond_with_the_keyboard_only(people, live):
    bottleneck_id = _unescalated_bottleneck(live)
    coordinator = people.sign_in("bram@demo.example")
    coordinator.goto(f"/bottlenecks/{bottleneck_id}/escalate")
    party_name = "ZonMw"  # its liaison answers below
    party = coordinator.get_by_label(party_name, exact=True)
    party_id = party.get_attribute("id")
    tab_to(coordinator, lambda f: f["id"] == party_id)
    coordinator.keyboard.press("Space")
    expect(party).to_be_checked()
    tab_to(coordinator, lambda f: f["id"] == "request")
    coordinator.keyboard.type("Met het toetsenbord: kunnen jullie dit oppakken?")
    tab_to(coordinator, lambda f: f["tag"] == "button")
    coordinator.keyboard.press("Enter")
    card = coordinator.locator("section.card", has_text=party_name)
    expect(card).to_contain_text("ingediend")

    with live.app.app_context():
        bottleneck = db.session.get(Bottleneck, bottleneck_id)
        escalation = next(e for e in bottleneck.escalations if e.party.name == party_name)
        escalation_id = escalation.id
    liaison = people.sign_in("gert@demo.example")
    liaison.goto(f"/escalations/{escalation_id}/respond")
    tab_to(liaison, lambda f: f["id"] == "note")
    liaison.keyboard.type("Beantwoord met alleen het toetsenbord.")
    tab_to(liaison, lambda f: f["tag"] == "button")
    liaison.keyboard.press("Enter")
    expect(liaison.locator(".alert-success")).to_be_visible()
    expect(liaison.locator("section.card", has_text=party_name)).to_contain_text("beantwoord")

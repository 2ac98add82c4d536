"""The whole loop as its users walk it, in Chromium against the running app.

A coordinator logs a bottleneck and escalates it; the reminder comes when the party is late;
the liaison acknowledges and answers; the coordinator reopens, then accepts; the digest is
compiled and mailed; a liaison organises an event, a coordinator registers, the liaison closes it.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.browser.conftest import MARKS
from tracker.core.timeutil import AMSTERDAM
from tracker.demo import TITLES
from tracker.digests import services as digests
from tracker.notifications import services as outbox
from tracker.reminders import services as reminders

pytestmark = MARKS

COORDINATOR = "anouk@demo.example"
LIAISON = "gert@demo.example"  # ZonMw
TABLE = "tafel@zonmw.example"
TITLE = "Browserwandeling: bekostiging van de wijkverpleging stopt na de pilot"


def deliver(live) -> None:
    """What the workers do: send every due message in the outbox."""
    with live.worker():
        while outbox.dispatch_due().sent:
            pass


def mails_to(live, address: str, subject_part: str) -> list:
    return [
        m for m in live.smtp.messages if address in m["To"] and subject_part in str(m["Subject"])
    ]


def act(page: Page, label: str, note: str | None = None) -> None:
    """Take a workflow step on the bottleneck page: a button, or a link to a form with a note."""
    card = page.locator("section.card", has_text="ZonMw").first
    step = card.get_by_role("link", name=label, exact=True)
    if note is None:
        card.get_by_role("button", name=label, exact=True).click()
    else:
        step.click()
        page.locator("#note").fill(note)
        page.locator("main form.form button").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_escalation_loop_reminder_digest_and_event(people, live):
    coordinator = people.sign_in(COORDINATOR)

    # The coordinator logs a bottleneck and sees similar ones while typing.
    coordinator.locator("nav.main-nav").get_by_role("link", name="Knelpunt melden").click()
    known = next(iter(TITLES.values()))[0]
    coordinator.locator("#title").press_sequentially(known[:40], delay=5)
    expect(coordinator.locator("#similar .suggestions")).to_be_visible()
    coordinator.locator("#title").fill(TITLE)
    coordinator.locator("#description").fill("Na de pilot valt de bekostiging weg; wie betaalt?")
    coordinator.locator("main form.form button:visible").last.click()
    expect(coordinator.locator("h1")).to_have_text(TITLE)

    # ... and escalates it to ZonMw.
    coordinator.get_by_role("link", name="Escaleren naar een landelijke partij").click()
    coordinator.get_by_label("ZonMw", exact=True).check()
    coordinator.locator("#request").fill("Kunnen jullie dit agenderen?")
    coordinator.locator("main form.form button").click()
    expect(coordinator.locator("section.card", has_text="ZonMw")).to_contain_text("ingediend")
    bottleneck_url = coordinator.url.split("#")[0]

    # Time moves past the acknowledgement deadline: the reminder reaches the liaison.
    deliver(live)  # the notice of the new escalation
    before = len(mails_to(live, LIAISON, TITLE))
    live.clock.move(days=9)
    with live.worker():
        assert reminders.sweep()["not_acknowledged"] > 0
    deliver(live)
    (reminder,) = mails_to(live, LIAISON, TITLE)[before:]  # "Nog niet bevestigd: ..."
    assert TITLE in reminder.get_body(("plain",)).get_content()

    # The liaison acknowledges, then answers.
    liaison = people.sign_in(LIAISON)
    liaison.locator("nav.main-nav").get_by_role("link", name="Inbox van de partij").click()
    liaison.get_by_role("link", name=TITLE).first.click()
    act(liaison, "Ontvangst bevestigen")
    act(liaison, "Beantwoorden", note="We nemen dit mee in de subsidieronde van volgend jaar.")
    expect(liaison.locator("section.card", has_text="ZonMw")).to_contain_text("beantwoord")

    # The coordinator reopens; the liaison answers again; the coordinator accepts.
    coordinator.goto(bottleneck_url)
    act(coordinator, "Heropenen", note="Dat is te laat voor de regio; kan het eerder?")
    liaison.reload()
    act(liaison, "Beantwoorden", note="Er is een tussentijdse regeling vanaf het voorjaar.")
    coordinator.reload()
    act(coordinator, "Antwoord accepteren")
    expect(coordinator.locator("section.card", has_text="ZonMw")).to_contain_text("geaccepteerd")

    # Time moves past a digest window: the digest is compiled, mailed and on the archive page.
    live.clock.move(days=35)
    with live.worker():
        assert digests.compile_due() > 0
    deliver(live)
    assert mails_to(live, TABLE, "")
    liaison.goto("/digests/zonmw")
    liaison.locator("main table a, main li a").first.click()
    expect(liaison.locator("h1")).to_be_visible()
    assert "/digests/show/" in liaison.url

    # The liaison organises an event; the coordinator registers; afterwards it is closed out.
    day = (live.clock.now().astimezone(AMSTERDAM) + timedelta(days=7)).date()
    liaison.goto("/events/new")
    liaison.locator("#title").fill("Landelijke tafel bekostiging wijkverpleging")
    liaison.locator("#organiser").select_option(label="ZonMw")
    liaison.locator("#day").fill(day.isoformat())
    liaison.locator("#start").fill("13:30")
    liaison.locator("#end").fill("16:00")
    liaison.locator("#place").fill("Den Haag")
    liaison.locator("main form.form button").last.click()
    expect(liaison.locator("h1")).to_have_text("Landelijke tafel bekostiging wijkverpleging")
    event_url = liaison.url

    coordinator.goto(event_url)
    coordinator.get_by_role("button", name="Aanmelden").click()
    expect(coordinator.locator(".alert-success")).to_be_visible()

    live.clock.move(days=8)
    liaison.goto(event_url.rstrip("/") + "/close")
    liaison.get_by_label("Anouk de Vries").check()
    liaison.locator("#report").fill("Goed gesprek; de tussenregeling wordt uitgewerkt.")
    liaison.locator("main form.form button").first.click()
    expect(liaison.locator(".alert-success")).to_be_visible()

"""Dutch is the default and complete; English is available; every UI string is translated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests import builders

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def test_every_string_in_code_and_templates_has_a_dutch_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "tracker",
            "templates",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and all(m.string if isinstance(m.string, tuple) else (m.string,)) and not m.fuzzy
    }
    missing = sorted(wanted - translated)
    assert not missing, f"run `make extract-messages` and translate: {missing[:10]}"


def test_pages_are_dutch_by_default_and_english_on_request(client):
    dutch = client.get("/auth/login")
    assert '<html lang="nl">' in dutch.get_data(as_text=True)
    assert "Inloggen" in dutch.get_data(as_text=True)
    english = client.get("/auth/login", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Sign in" in english.get_data(as_text=True)


def test_language_switch_is_remembered_for_the_user(client, ctx):
    world = builders.World()
    client.login(world.coordinator.email, builders.PASSWORD)
    assert client.post_form("/language", {"language": "en", "next": "/"}).status_code == 302
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert world.coordinator.language == "en"


def test_language_switch_refuses_to_redirect_off_site(client):
    response = client.post_form("/language", {"language": "en", "next": "//evil.example/"})
    assert response.location == "/"

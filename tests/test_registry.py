"""Registry admin: only programme staff manage parties, networks, DSVs and people."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests import builders
from tracker.auth.models import User
from tracker.directory.models import BuildingBlock, Domain, Dsv, Network, Party
from tracker.extensions import db
from tracker.timeline.models import TimelineEvent


@pytest.fixture
def world(ctx) -> builders.World:
    return builders.World()


@pytest.fixture
def admin(app, world):
    return signed_in(app, world.admin)


def signed_in(app, user: User):
    user.language = "en"
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.login(user.email, builders.PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def by_name(model, name: str):
    return db.session.scalar(select(model).where(model.name == name))


def events(subject_type: str, subject_id: int, kind: str) -> list[TimelineEvent]:
    return list(
        db.session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.subject_type == subject_type,
                TimelineEvent.subject_id == subject_id,
                TimelineEvent.kind == kind,
            )
            .order_by(TimelineEvent.id)
        )
    )


def party_form(party: Party, **changes) -> dict:
    return {
        "name": party.name,
        "table_contact_email": party.table_contact_email,
        "answer_working_days": str(party.answer_working_days),
        "digest_cadence": party.digest_cadence,
        **changes,
    }


# --- who gets in -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "liaison", "member"])
def test_non_admin_gets_404_on_the_registry(app, world, role):
    client = signed_in(app, getattr(world, role))

    overview = client.get("/admin/")
    create = client.post_form(
        "/admin/parties/new", {"name": "Stiekeme partij", "answer_working_days": "10"}
    )

    assert overview.status_code == 404
    assert create.status_code == 404
    assert by_name(Party, "Stiekeme partij") is None


@pytest.mark.parametrize("path", ["/admin/", "/admin/parties/", "/admin/users/new"])
def test_anonymous_visitor_is_sent_to_sign_in(app, path):
    response = app.test_client().get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_admin_sees_the_registry(admin):
    assert admin.get("/admin/").status_code == 200


# --- creating ----------------------------------------------------------------------------


def assert_created(admin, key: str, model, subject_type: str, name: str):
    row = by_name(model, name)
    assert row is not None
    assert str(escape(name)) in text(admin.get(f"/admin/{key}/"))
    (created,) = events(subject_type, row.id, "created")
    assert created.new_value == name
    return row


def test_admin_creates_a_party(admin, world):
    response = admin.post_form(
        "/admin/parties/new",
        {
            "name": "Zorginstituut Nederland",
            "table_contact_email": "Tafel@ZIN.example",
            "answer_working_days": "15",
            "digest_cadence": "monthly",
        },
    )

    assert response.status_code == 302
    party = assert_created(admin, "parties", Party, "party", "Zorginstituut Nederland")
    assert party.table_contact_email == "tafel@zin.example"
    assert party.answer_working_days == 15
    assert party.slug == "zorginstituut-nederland"
    assert events("party", party.id, "created")[0].actor_id == world.admin.id


def test_admin_creates_a_network_with_its_coordinating_party(admin, world):
    response = admin.post_form(
        "/admin/networks/new",
        {
            "name": "Gezonde Regio's",
            "description": "Proeftuinen voor preventie",
            "coordinating_party_id": str(world.party.id),
        },
    )

    assert response.status_code == 302
    network = assert_created(admin, "networks", Network, "network", "Gezonde Regio's")
    assert network.coordinating_party_id == world.party.id
    assert network.description == "Proeftuinen voor preventie"


def test_admin_creates_a_dsv_with_networks_and_domains(admin):
    kavels = by_name(Network, "Kavels")
    care, social = (db.session.scalar(select(Domain).filter_by(code=c)) for c in ("care", "social"))

    response = admin.post_form(
        "/admin/dsvs/new",
        {
            "name": "Gezond Twente",
            "region": "Twente",
            "municipalities": "Enschede, Hengelo",
            "phase": "operational",
            "network_ids": [str(kavels.id)],
            "domain_ids": [str(care.id), str(social.id)],
        },
    )

    assert response.status_code == 302
    dsv = assert_created(admin, "dsvs", Dsv, "dsv", "Gezond Twente")
    assert (dsv.region, dsv.municipalities, dsv.phase) == (
        "Twente",
        "Enschede, Hengelo",
        "operational",
    )
    assert [n.id for n in dsv.networks] == [kavels.id]
    assert {d.code for d in dsv.domains} == {"care", "social"}


# --- editing -----------------------------------------------------------------------------


def test_editing_a_party_records_one_change_event_per_changed_field(admin, world):
    party = world.party
    data = party_form(party, name="Partij Eigen Nieuw", answer_working_days="15")

    response = admin.post_form(f"/admin/parties/{party.id}/edit", data)

    assert response.status_code == 302
    changed = {e.field: (e.old_value, e.new_value) for e in events("party", party.id, "changed")}
    assert changed == {
        "name": ("Partij Eigen", "Partij Eigen Nieuw"),
        "answer_working_days": ("20", "15"),
    }
    assert len(events("party", party.id, "changed")) == 2
    assert (party.name, party.answer_working_days) == ("Partij Eigen Nieuw", 15)


def test_saving_an_unchanged_party_records_nothing(admin, world):
    party = world.party

    response = admin.post_form(f"/admin/parties/{party.id}/edit", party_form(party))

    assert response.status_code == 302
    assert events("party", party.id, "changed") == []


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "model", "data"),
    [
        (
            "parties",
            Party,
            {"name": "PARTIJ EIGEN", "answer_working_days": "20", "digest_cadence": "weekly"},
        ),
        ("networks", Network, {"name": "kavels", "description": "", "coordinating_party_id": ""}),
        ("dsvs", Dsv, {"name": "dsv eigen", "region": "Ergens", "phase": ""}),
    ],
    ids=["party", "network", "dsv"],
)
def test_duplicate_name_is_refused_case_insensitively_and_keeps_the_input(admin, key, model, data):
    name = data["name"]
    before = count(model, func.lower(model.name) == name.lower())

    response = admin.post_form(f"/admin/{key}/new", data)

    assert response.status_code == 422
    assert f'value="{name}"' in text(response)
    assert "already in use" in text(response)
    assert count(model, func.lower(model.name) == name.lower()) == before == 1


def test_renaming_a_party_to_a_taken_name_is_refused(admin, world):
    data = party_form(world.party, name="partij ander")

    response = admin.post_form(f"/admin/parties/{world.party.id}/edit", data)

    assert response.status_code == 422
    assert world.party.name == "Partij Eigen"
    assert events("party", world.party.id, "changed") == []


@pytest.mark.parametrize("days", ["0", "500", "-3", "twintig"])
def test_answer_deadline_outside_1_to_120_working_days_is_refused(admin, days):
    response = admin.post_form(
        "/admin/parties/new", {"name": "Partij met termijn", "answer_working_days": days}
    )

    assert response.status_code == 422
    assert by_name(Party, "Partij met termijn") is None


@pytest.mark.parametrize(
    ("key", "field"),
    [("dsvs", "network_ids"), ("dsvs", "domain_ids"), ("networks", "coordinating_party_id")],
)
def test_unknown_id_in_a_choice_is_refused_without_a_server_error(admin, key, field):
    data = {"name": "Met onbekende keuze", "region": "", "description": "", field: "999999"}

    response = admin.post_form(f"/admin/{key}/new", data)

    assert 400 <= response.status_code < 500
    assert by_name(Dsv, data["name"]) is None
    assert by_name(Network, data["name"]) is None


@pytest.mark.parametrize("method", ["get", "post_form"])
def test_unknown_party_in_the_url_gets_404(admin, method):
    response = getattr(admin, method)("/admin/parties/999999/edit")

    assert response.status_code == 404


def test_name_over_160_characters_is_refused(admin):
    too_long, longest = "P" * 161, "Q" * 160

    fields = {"answer_working_days": "20", "digest_cadence": "weekly"}
    refused = admin.post_form("/admin/parties/new", {"name": too_long, **fields})
    accepted = admin.post_form("/admin/parties/new", {"name": longest, **fields})

    assert refused.status_code == 422
    assert by_name(Party, too_long) is None
    assert accepted.status_code == 302
    assert by_name(Party, longest) is not None


# --- reference data and own account ------------------------------------------------------


def test_seed_is_idempotent(app):
    parties, networks = count(Party), count(Network)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])

    assert (first.exit_code, second.exit_code) == (0, 0), repr(second.exception)
    assert count(BuildingBlock) == 7
    assert count(Domain) == 6
    assert (count(Party), count(Network)) == (parties, networks)
    assert parties >= 11 and networks >= 7


def test_seed_does_not_recreate_a_party_an_admin_renamed(app, admin):
    pharos = by_name(Party, "Pharos")
    parties = count(Party)
    response = admin.post_form(
        f"/admin/parties/{pharos.id}/edit", party_form(pharos, name="Pharos expertisecentrum")
    )
    assert response.status_code == 302

    result = app.test_cli_runner().invoke(args=["seed"])

    assert result.exit_code == 0, repr(result.exception)
    assert count(Party) == parties
    assert by_name(Party, "Pharos") is None


@pytest.mark.parametrize(
    "data",
    [{"is_admin": "y"}, {"active": "y"}],
    ids=["deactivate-self", "drop-own-admin-rights"],
)
def test_admin_cannot_deactivate_or_demote_themselves(admin, world, data):
    response = admin.post_form(
        f"/admin/users/{world.admin.id}/edit",
        {"name": world.admin.name, "language": "en", **data},
    )

    assert response.status_code == 422
    assert "You cannot remove your own admin rights or deactivate yourself." in text(response)
    assert world.admin.active and world.admin.is_admin
    assert admin.get("/admin/").status_code == 200

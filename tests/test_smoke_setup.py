from sqlalchemy import func, select

from tests import builders
from tracker.directory.models import BuildingBlock
from tracker.extensions import db


def test_reference_data_is_seeded_by_the_session_fixture(ctx):
    assert db.session.scalar(select(func.count()).select_from(BuildingBlock)) == 7


def test_rows_from_one_test_are_gone_in_the_next_part_one(ctx):
    builders.party("Alleen in deze test")
    db.session.commit()
    assert (
        db.session.scalar(select(func.count()).where(builders.Party.name == "Alleen in deze test"))
        == 1
    )


def test_rows_from_one_test_are_gone_in_the_next_part_two(ctx):
    assert (
        db.session.scalar(select(func.count()).where(builders.Party.name == "Alleen in deze test"))
        == 0
    )

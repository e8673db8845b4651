"""The migrations build exactly the schema the models describe."""

import flask_migrate
from sqlalchemy import inspect

from learnhub.extensions import db


def test_models_and_migrations_agree(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_migrations_go_down_to_nothing_and_up_again(app):
    with app.app_context():
        db.session.remove()
        _empty = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
        assert "user_account" in _empty
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        flask_migrate.upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"region", "user_account"} <= tables
        from learnhub.regions.services import load_regions

        load_regions()  # the fixture's teardown expects the tables back, data optional
        db.session.commit()

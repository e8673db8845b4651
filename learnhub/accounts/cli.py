"""``flask users ...`` commands."""

import click
from flask import current_app
from flask.cli import AppGroup

from learnhub.extensions import db
from learnhub.regions.services import cities_of

from . import services
from .models import Role

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-admin")
@click.option("--login", "login_text", prompt="Mobile number or username")
@click.option("--name", "display_name", prompt="Display name")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="ADMIN_PASSWORD",
    help="Read from ADMIN_PASSWORD when set.",
)
@click.option("--city", "city_code", default=None, help="Home city code (default: the first).")
def create_admin(login_text: str, display_name: str, password: str, city_code: str | None):
    """Create a province staff account (everything, every city)."""
    province = current_app.config["HOME_PROVINCE"]
    cities = cities_of(province)
    if not cities:
        raise click.ClickException("no regions loaded: run `flask --app learnhub regions load`")
    try:
        user = services.register(
            login_text,
            password,
            display_name,
            city_code=city_code or cities[0].code,
            district_code=None,
            role=Role.PROVINCE_STAFF,
            managed_region_code=province,
        )
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Province staff account {user.login_name!r} created.")

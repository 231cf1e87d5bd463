import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app import db
from staff import accounts
from staff.models import Role
from visits.models import Prison

staff_cli = click.Group("staff", help="Staff accounts.")


@staff_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@with_appcontext
def create_admin(email, name):
    """Create the first administrator, working at every prison; prints a one-time password."""
    password = accounts.new_password()
    prisons = db.session.scalars(sa.select(Prison)).all()
    try:
        accounts.create_staff(None, email, name, Role.ADMIN, prisons, password)
    except accounts.AccountError as error:
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(
        f"Created administrator {accounts.normalise_email(email)} for {len(prisons)} prisons."
    )
    click.echo(f"Password (shown once, change it after signing in): {password}")

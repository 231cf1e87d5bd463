from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from app import db
from staff import demo as staff_demo
from timeutil import local_today, utcnow
from visits import booking, demo
from visits.models import Prison
from visits.sessions import ensure_sessions


@click.command("demo")
@with_appcontext
def demo_command():
    """Bring the database up to date and add the demo prisons, sessions and bookings."""
    upgrade(revision="heads")
    lines = demo.load(local_today(), utcnow())
    transport_lines = demo.load_timetables(Path(current_app.root_path))
    staff_lines = staff_demo.load()
    db.session.commit()
    click.echo(f"Demo data ready: {demo.sessions_count()} visiting sessions.")
    click.echo("\n".join(transport_lines))
    if lines:
        click.echo("Demo bookings (find them at /manage with the reference and date of birth):")
        click.echo("\n".join(lines))
    click.echo("Staff sign in at /staff/login with these demo accounts (new passwords each start):")
    click.echo("\n".join(staff_lines))


visits_cli = click.Group("visits", help="Visiting sessions and bookings.")


@visits_cli.command("generate-sessions")
@with_appcontext
def generate_sessions():
    """Create bookable sessions for every prison's booking window."""
    created = 0
    for prison in db.session.scalars(sa.select(Prison)):
        created += ensure_sessions(prison, *prison.booking_window(local_today()))
    db.session.commit()
    click.echo(f"Created {created} sessions.")


@visits_cli.command("release-holds")
@with_appcontext
def release_holds():
    """Mark holds whose time ran out as expired."""
    released = booking.release_lapsed_holds(utcnow())
    db.session.commit()
    click.echo(f"Released {released} lapsed holds.")

import click
from flask import current_app
from flask.cli import with_appcontext

from app import db
from assisted_visits import claims
from assisted_visits.evidence import delete, folder_for
from timeutil import utcnow

claims_cli = click.Group("claims", help="Claims for help with the cost of prison visits.")


@claims_cli.command("remind-and-close")
@with_appcontext
def remind_and_close():
    """Remind families of idle claims, and close claims idle since a reminder."""
    now = utcnow()
    reminded = claims.remind_idle(now)
    closed = claims.close_idle(now)
    db.session.commit()
    # The scheduler does the same every hour; the messages go out through the outbox.
    click.echo(f"Reminded {len(reminded)} claims and closed {len(closed)}.")


@claims_cli.command("discard-drafts")
@click.option("--days", default=7, show_default=True, help="Days a draft is kept untouched.")
@with_appcontext
def discard_drafts(days):
    """Delete claims never sent, with their evidence files. Run daily."""
    files = claims.discard_stale_drafts(utcnow(), days)
    db.session.commit()
    folder = folder_for(current_app)
    for stored_name in files:
        delete(folder, stored_name)
    current_app.logger.info("discarded drafts with %s evidence files", len(files))
    click.echo(f"Deleted drafts and {len(files)} evidence files.")

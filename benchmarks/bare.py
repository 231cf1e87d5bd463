"""The bare booking endpoint: a booking's database writes and nothing else.

One POST route that, in one transaction, locks the session row (BEGIN IMMEDIATE on
SQLite, through database.configure_engine as in the app; SELECT ... FOR UPDATE on
PostgreSQL), counts the visits that take a place, and inserts a booked visit, its
lead visitor and an audit row, with the app's own models and db. No templates,
CSRF, forms, cookies, Babel or Talisman: measured against it, the real journey
shows what our stack costs.

    DATABASE_URL=sqlite:////tmp/visits.db gunicorn benchmarks.bare:app

POST /book with session_id, prisoner_* and lead_* fields: 201 and the reference when
booked, 409 when the session is full.
"""

import secrets
from datetime import date

import sqlalchemy as sa
from flask import Flask, request

import config
import database
from app import db
from timeutil import utcnow
from visits import rules
from visits.models import (
    Relationship,
    TableType,
    Visit,
    VisitEvent,
    Visitor,
    VisitSession,
    VisitStatus,
)
from visits.sessions import takes_place

app = Flask(__name__)
app.config.update(config.from_environment())
db.init_app(app)
with app.app_context():
    database.configure_engine(db.engine)


def _reference() -> str:
    return "".join(secrets.choice(rules.REFERENCE_ALPHABET) for _ in range(rules.REFERENCE_LENGTH))


@app.post("/book")
def book():
    form = request.form
    session = db.session.execute(
        sa.select(VisitSession).where(VisitSession.id == int(form["session_id"])).with_for_update()
    ).scalar_one_or_none()
    if session is None:
        return "No such session", 404
    taken = db.session.scalar(
        sa.select(sa.func.count(Visit.id)).where(
            Visit.session_id == session.id,
            Visit.table_type == TableType.OPEN,
            takes_place(utcnow()),
        )
    )
    if taken >= session.open_tables:
        db.session.rollback()
        return "Full", 409
    visit = Visit(
        reference=_reference(),
        manage_token=secrets.token_urlsafe(32),
        journey_token=secrets.token_urlsafe(24),
        prison_id=session.prison_id,
        session_id=session.id,
        table_type=TableType.OPEN,
        status=VisitStatus.BOOKED,
        prisoner_first_name=form["prisoner_first_name"],
        prisoner_last_name=form["prisoner_last_name"],
        prisoner_date_of_birth=date.fromisoformat(form["prisoner_date_of_birth"]),
        prisoner_number=form["prison_number"],
        email=form["email"],
        language="en",
    )
    visit.visitors.append(
        Visitor(
            position=0,
            first_name=form["lead_first_name"],
            last_name=form["lead_last_name"],
            date_of_birth=date.fromisoformat(form["lead_date_of_birth"]),
            relation=Relationship(form["lead_relation"]),
        )
    )
    visit.events.append(VisitEvent(from_status=None, to_status=VisitStatus.BOOKED, actor="family"))
    db.session.add(visit)
    reference = visit.reference
    db.session.commit()
    return reference, 201

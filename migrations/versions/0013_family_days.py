"""family days: events, applications, the people named on them and their audit trail

Revision ID: 0013
Revises: 0001
Create Date: 2026-11-27 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None

ALLOCATION = ("first_come", "ballot")
INCENTIVE = ("basic", "standard", "enhanced")
STATUSES = (
    "applied",
    "offered",
    "approved",
    "declined",
    "waiting_list",
    "offer_expired",
    "withdrawn",
    "attended",
)
APPLICANTS = ("family", "social_worker", "carer")
DECLINE_REASONS = (
    "relationship",
    "age",
    "safeguarding",
    "incentive_level",
    "too_many_adults",
    "other",
)
RELATIONSHIPS = ("own", "step", "adopted", "fostered", "partners_child", "other")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    op.create_table(
        "family_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("families", sa.Integer(), nullable=False),
        sa.Column("adults_per_family", sa.Integer(), nullable=False),
        sa.Column("min_child_age", sa.Integer(), nullable=False),
        sa.Column("max_child_age", sa.Integer(), nullable=False),
        sa.Column("applications_open", sa.Date(), nullable=False),
        sa.Column("applications_close", sa.Date(), nullable=False),
        sa.Column("allocation", _enum(ALLOCATION, "allocationmethod"), nullable=False),
        sa.Column("includes", sa.String(length=1000), nullable=False),
        sa.Column(
            "minimum_incentive_level", _enum(INCENTIVE, "incentivelevel"), nullable=True
        ),
        sa.Column("recent_visit_days", sa.Integer(), nullable=False),
        sa.Column("offer_hours", sa.Integer(), nullable=False),
        sa.Column("ballot_seed", sa.BigInteger(), nullable=True),
        sa.Column("allocated_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prison.id"], name=op.f("fk_family_day_prison_id_prison")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_day")),
    )
    with op.batch_alter_table("family_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_day_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_family_day_prison_id"), ["prison_id"], unique=False)

    op.create_table(
        "family_day_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_day_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("status", _enum(STATUSES, "applicationstatus"), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("prisoner_first_name", sa.String(length=100), nullable=False),
        sa.Column("prisoner_last_name", sa.String(length=100), nullable=False),
        sa.Column("prisoner_number", sa.String(length=7), nullable=False),
        sa.Column("incentive_level", _enum(INCENTIVE, "incentivelevel"), nullable=True),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("applicant", _enum(APPLICANTS, "applicant"), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("care_plan_reference", sa.String(length=60), nullable=False),
        sa.Column("consent_recorded_at", sa.DateTime(), nullable=True),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("offer_expires_at", sa.DateTime(), nullable=True),
        sa.Column("decline_reason", _enum(DECLINE_REASONS, "declinereason"), nullable=True),
        sa.Column("decline_details", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_day_id"],
            ["family_day.id"],
            name=op.f("fk_family_day_application_family_day_id_family_day"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_day_application")),
        sa.UniqueConstraint("token", name=op.f("uq_family_day_application_token")),
    )
    with op.batch_alter_table("family_day_application", schema=None) as batch_op:
        for column in ("family_day_id", "prisoner_number", "status"):
            batch_op.create_index(
                batch_op.f(f"ix_family_day_application_{column}"), [column], unique=False
            )

    op.create_table(
        "family_day_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("is_child", sa.Boolean(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("relation", _enum(RELATIONSHIPS, "childrelationship"), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["family_day_application.id"],
            name=op.f("fk_family_day_person_application_id_family_day_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_day_person")),
    )
    with op.batch_alter_table("family_day_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_day_person_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "family_day_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_status", _enum(STATUSES, "applicationstatus"), nullable=True),
        sa.Column("to_status", _enum(STATUSES, "applicationstatus"), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["family_day_application.id"],
            name=op.f("fk_family_day_event_application_id_family_day_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_day_event")),
    )
    with op.batch_alter_table("family_day_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_day_event_application_id"),
            ["application_id"],
            unique=False,
        )


def downgrade():
    op.drop_table("family_day_event")
    op.drop_table("family_day_person")
    op.drop_table("family_day_application")
    op.drop_table("family_day")

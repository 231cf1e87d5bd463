"""visitor centre check-in, support records and a centre setting for notes

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-27 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0001"
branch_labels = None
# Check-in events and support records name the staff member: staff_user comes from 0002.
depends_on = "0002"

CHECK_IN_STATES = ("expected", "arrived", "id_checked", "admitted", "left", "no_show")
CATEGORIES = (
    "housing",
    "benefits_debt",
    "drugs_alcohol",
    "childcare",
    "mental_health",
    "domestic_abuse",
    "legal_advice",
    "families_helpline",
    "travel_costs",
)


def state_column(name):
    return sa.Column(
        name,
        sa.Enum(*CHECK_IN_STATES, name="checkinstate", native_enum=False, length=20),
        nullable=False,
    )


def upgrade():
    with op.batch_alter_table("visitor_centre", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "support_notes_allowed", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("visitor_centre", schema=None) as batch_op:
        batch_op.alter_column("support_notes_allowed", server_default=None)

    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        state_column("state"),
        sa.Column("arrived_at", sa.DateTime(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("admitted_at", sa.DateTime(), nullable=True),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prison.id"], name=op.f("fk_check_in_prison_id_prison")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["visit_session.id"], name=op.f("fk_check_in_session_id_visit_session")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_check_in_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_check_in_visit_id")),
    )
    with op.batch_alter_table("check_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_in_prison_id"), ["prison_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_in_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_in_state"), ["state"], unique=False)

    op.create_table(
        "check_in_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        state_column("from_state"),
        state_column("to_state"),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_in.id"], name=op.f("fk_check_in_event_check_in_id_check_in")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_check_in_event_staff_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_event")),
    )
    with op.batch_alter_table("check_in_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_check_in_event_check_in_id"), ["check_in_id"], unique=False
        )

    op.create_table(
        "visitor_id_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_in_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("id_seen", sa.Boolean(), nullable=False),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_id"], ["check_in.id"], name=op.f("fk_visitor_id_check_check_in_id_check_in")
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitor.id"],
            name=op.f("fk_visitor_id_check_visitor_id_visitor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_id_check")),
        sa.UniqueConstraint(
            "check_in_id", "visitor_id", name=op.f("uq_visitor_id_check_check_in_id_visitor_id")
        ),
    )
    with op.batch_alter_table("visitor_id_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visitor_id_check_check_in_id"), ["check_in_id"], unique=False
        )

    op.create_table(
        "support_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("first_time_visitor", sa.Boolean(), nullable=False),
        sa.Column("consent_given", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prison.id"], name=op.f("fk_support_record_prison_id_prison")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_support_record_staff_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_support_record_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_record")),
    )
    with op.batch_alter_table("support_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_record_prison_id"), ["prison_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_support_record_recorded_on"), ["recorded_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_support_record_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "support_given",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(*CATEGORIES, name="supportcategory", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum("signposted", "referred", name="supportkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["support_record.id"],
            name=op.f("fk_support_given_record_id_support_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_given")),
        sa.UniqueConstraint(
            "record_id", "category", "kind", name=op.f("uq_support_given_record_id_category_kind")
        ),
    )
    with op.batch_alter_table("support_given", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_given_record_id"), ["record_id"], unique=False
        )


def downgrade():
    op.drop_table("support_given")
    op.drop_table("support_record")
    op.drop_table("visitor_id_check")
    op.drop_table("check_in_event")
    op.drop_table("check_in")
    with op.batch_alter_table("visitor_centre", schema=None) as batch_op:
        batch_op.drop_column("support_notes_allowed")

"""restrictions, visit allowance settings and review reasons

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-28 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0001"
branch_labels = None
# Restrictions name the staff who added and ended them.
depends_on = "0002"

KINDS = ("visitor_ban", "closed_visits", "child_contact", "non_association")


def upgrade():
    op.create_table(
        "restriction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="restrictionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("prisoner_number", sa.String(length=7), nullable=True),
        sa.Column("other_prisoner_number", sa.String(length=7), nullable=True),
        sa.Column("visitor_first_name", sa.String(length=100), nullable=True),
        sa.Column("visitor_last_name", sa.String(length=100), nullable=True),
        sa.Column("visitor_date_of_birth", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_restriction_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["staff_user.id"], name=op.f("fk_restriction_ended_by_id_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prison.id"], name=op.f("fk_restriction_prison_id_prison")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restriction")),
    )
    with op.batch_alter_table("restriction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_restriction_prison_id"), ["prison_id"], unique=False)

    with op.batch_alter_table("prison", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("convicted_visits", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("convicted_period_days", sa.Integer(), nullable=False, server_default="14")
        )
        batch_op.add_column(
            sa.Column("remand_visits_per_week", sa.Integer(), nullable=False, server_default="3")
        )

    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_prisoner_number"), ["prisoner_number"], unique=False
        )
        batch_op.add_column(
            sa.Column("review_reasons", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "allowance_override_reason",
                sa.String(length=500),
                nullable=False,
                server_default="",
            )
        )


def downgrade():
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("allowance_override_reason")
        batch_op.drop_column("review_reasons")
        batch_op.drop_index(batch_op.f("ix_visit_prisoner_number"))
    with op.batch_alter_table("prison", schema=None) as batch_op:
        batch_op.drop_column("remand_visits_per_week")
        batch_op.drop_column("convicted_period_days")
        batch_op.drop_column("convicted_visits")
    with op.batch_alter_table("restriction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_restriction_prison_id"))
    op.drop_table("restriction")

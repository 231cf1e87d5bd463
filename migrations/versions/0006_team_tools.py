"""visits team tools: reasons for rejected visit requests

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-28 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

REJECTION_REASONS = (
    "not_approved_visitor",
    "banned",
    "id_problem",
    "too_many_visitors",
    "not_reviewed",
    "other",
)


def rejection_reason():
    return sa.Enum(*REJECTION_REASONS, name="rejectionreason", native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_reason", rejection_reason(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "rejection_details", sa.String(length=500), nullable=False, server_default=""
            )
        )
    with op.batch_alter_table("visitor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection_reason", rejection_reason(), nullable=True))


def downgrade():
    with op.batch_alter_table("visitor", schema=None) as batch_op:
        batch_op.drop_column("rejection_reason")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("rejection_details")
        batch_op.drop_column("rejection_reason")

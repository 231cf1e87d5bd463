"""each prison sets its own review days and first visit window

Revision ID: 0015
Revises: 0001
Create Date: 2026-11-27 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # Existing prisons get the values the service-wide settings had by default.
    with op.batch_alter_table("prison", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_days", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.add_column(
            sa.Column("first_visit_within_days", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.add_column(
            sa.Column("first_visit_notice_days", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade():
    with op.batch_alter_table("prison", schema=None) as batch_op:
        batch_op.drop_column("first_visit_notice_days")
        batch_op.drop_column("first_visit_within_days")
        batch_op.drop_column("review_days")

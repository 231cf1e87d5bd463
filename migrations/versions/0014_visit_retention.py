"""visits and family day applications remember when their personal data was removed

Revision ID: 0014
Revises: 0001
Create Date: 2026-11-27 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0001"
branch_labels = None
# family_day_application comes from 0013.
depends_on = "0013"


def upgrade():
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("family_day_application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("family_day_application", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")

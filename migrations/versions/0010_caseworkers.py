"""help with travel costs: claims completed with visitor-centre staff, and the family's language

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-27 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0005"
branch_labels = None
# Staff accounts come with 0002, on a branch of their own.
depends_on = "0002"


def upgrade():
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assisted_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_assisted_by_id_staff_user"),
            "staff_user",
            ["assisted_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_claim_assisted_by_id_staff_user"), type_="foreignkey"
        )
        batch_op.drop_column("language")
        batch_op.drop_column("assisted_by_id")

"""child-centred sessions and compassionate early visits

Revision ID: 0012
Revises: 0001
Create Date: 2026-11-27 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0001"
branch_labels = None
depends_on = None

SESSION_KINDS = ("social", "child_centred")


def upgrade():
    with op.batch_alter_table("session_template", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(*SESSION_KINDS, name="sessionkind", native_enum=False, length=20),
                nullable=False,
                server_default="social",
            )
        )
        for column in ("play_area", "children_may_bring", "what_happens"):
            batch_op.add_column(
                sa.Column(column, sa.String(length=500), nullable=False, server_default="")
            )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("compassionate", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("compassionate")
    with op.batch_alter_table("session_template", schema=None) as batch_op:
        for column in ("what_happens", "children_may_bring", "play_area", "kind"):
            batch_op.drop_column(column)

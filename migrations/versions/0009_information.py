"""information for families, first visits after reception, feedback and complaints

Revision ID: 0009
Revises: 0001
Create Date: 2026-11-27 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0001"
branch_labels = None
# Staff who edit information and handle feedback are named: staff_user comes from 0002.
depends_on = "0002"

TOPICS = (
    "getting_there",
    "opening_hours",
    "first_visit",
    "on_the_day",
    "what_to_bring",
    "id_rules",
    "dress_code",
    "lockers",
    "food",
    "play_area",
    "accessibility",
)
KINDS = ("feedback", "complaint")
THEMES = (
    "booking",
    "visit_day",
    "searches",
    "staff",
    "children",
    "facilities",
    "accessibility",
    "travel",
    "other",
)
STATUSES = ("received", "triaged", "replied", "closed")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table("prisoner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_on", sa.Date(), nullable=True))
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_visit", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "prison_information",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("visitor_entrance", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prison.id"], name=op.f("fk_prison_information_prison_id_prison")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_user.id"],
            name=op.f("fk_prison_information_updated_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prison_information")),
        sa.UniqueConstraint("prison_id", name=op.f("uq_prison_information_prison_id")),
    )
    op.create_table(
        "prison_information_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("topic", _enum(TOPICS, "infotopic"), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prison.id"], name=op.f("fk_prison_information_text_prison_id_prison")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_user.id"],
            name=op.f("fk_prison_information_text_updated_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prison_information_text")),
        sa.UniqueConstraint(
            "prison_id",
            "topic",
            "language",
            name=op.f("uq_prison_information_text_prison_id_topic_language"),
        ),
    )
    with op.batch_alter_table("prison_information_text", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prison_information_text_prison_id"), ["prison_id"], unique=False
        )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=8), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("kind", _enum(KINDS, "feedbackkind"), nullable=False),
        sa.Column("theme", _enum(THEMES, "feedbacktheme"), nullable=False),
        sa.Column("written_by", _enum(("adult", "child"), "writtenby"), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("reply_by", _enum(("none", "sms", "email"), "replyby"), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", _enum(STATUSES, "feedbackstatus"), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prison.id"], name=op.f("fk_feedback_prison_id_prison")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_feedback_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("reference", name=op.f("uq_feedback_reference")),
        sa.UniqueConstraint("token", name=op.f("uq_feedback_token")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_prison_id"), ["prison_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_due_on"), ["due_on"], unique=False)

    op.create_table(
        "feedback_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_status", _enum(STATUSES, "feedbackstatus"), nullable=True),
        sa.Column("to_status", _enum(STATUSES, "feedbackstatus"), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_event_feedback_id_feedback")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"], name=op.f("fk_feedback_event_staff_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_event")),
    )
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_event_feedback_id"), ["feedback_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_event_feedback_id"))
    op.drop_table("feedback_event")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_due_on"))
        batch_op.drop_index(batch_op.f("ix_feedback_status"))
        batch_op.drop_index(batch_op.f("ix_feedback_prison_id"))
    op.drop_table("feedback")
    with op.batch_alter_table("prison_information_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prison_information_text_prison_id"))
    op.drop_table("prison_information_text")
    op.drop_table("prison_information")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("first_visit")
    with op.batch_alter_table("prisoner", schema=None) as batch_op:
        batch_op.drop_column("received_on")

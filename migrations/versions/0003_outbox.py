"""Outbox of messages to families, texts from families, SMS opt-outs and the scheduler lease

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('booked', 'request_received', 'request_accepted', 'request_rejected', 'cancelled', 'cancelled_by_staff', 'time_changed', 'session_closed', 'session_changed', 'reminder', 'reminder_today', 'help', 'cancel_question', 'cancel_which', 'cancel_not_found', 'feedback_reply', name='messagekind', native_enum=False, length=20), nullable=False),
    sa.Column('channel', sa.Enum('sms', 'email', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('prison_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'delivered', 'recorded', 'failed', 'skipped', name='messagestatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('stale_at', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('uncertain_sends', sa.Integer(), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('provider_id', sa.String(length=64), nullable=True),
    sa.Column('provider_status', sa.String(length=20), nullable=True),
    sa.Column('error_code', sa.String(length=10), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['prison_id'], ['prison.id'], name=op.f('fk_outbox_message_prison_id_prison')),
    sa.ForeignKeyConstraint(['session_id'], ['visit_session.id'], name=op.f('fk_outbox_message_session_id_visit_session')),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_outbox_message_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_prison_id'), ['prison_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_visit_id'), ['visit_id'], unique=False)

    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('from_number', sa.String(length=20), nullable=False),
    sa.Column('body', sa.String(length=1600), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_inbound_message_visit_id_visit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_message')),
    sa.UniqueConstraint('provider_id', name=op.f('uq_inbound_message_provider_id'))
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_message_from_number'), ['from_number'], unique=False)

    op.create_table('sms_opt_out',
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('mobile', name=op.f('pk_sms_opt_out'))
    )
    op.create_table('scheduler_lease',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease'))
    )


def downgrade():
    op.drop_table('scheduler_lease')
    op.drop_table('sms_opt_out')
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_message_from_number'))

    op.drop_table('inbound_message')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_visit_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_provider_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_prison_id'))
        batch_op.drop_index('ix_outbox_message_due')

    op.drop_table('outbox_message')

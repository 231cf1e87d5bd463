"""Public transport timetables (GTFS) and the stops that serve each prison

Revision ID: 0004
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transit_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=True),
    sa.Column('last_date', sa.Date(), nullable=True),
    sa.Column('estimate_week', sa.Date(), nullable=True),
    sa.Column('stop_count', sa.Integer(), nullable=False),
    sa.Column('trip_count', sa.Integer(), nullable=False),
    sa.Column('stop_time_count', sa.Integer(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_feed')),
    sa.UniqueConstraint('name', name=op.f('uq_transit_feed_name'))
    )
    op.create_table('prison_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prison_id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.String(length=255), nullable=False),
    sa.Column('distance_metres', sa.Integer(), nullable=False),
    sa.Column('walk_minutes', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('adjusted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['transit_feed.id'], name=op.f('fk_prison_stop_feed_id_transit_feed'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['prison_id'], ['prison.id'], name=op.f('fk_prison_stop_prison_id_prison')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prison_stop')),
    sa.UniqueConstraint('prison_id', 'feed_id', 'stop_id', name=op.f('uq_prison_stop_prison_id_feed_id_stop_id'))
    )
    with op.batch_alter_table('prison_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prison_stop_prison_id'), ['prison_id'], unique=False)

    op.create_table('prison_transport',
    sa.Column('prison_id', sa.Integer(), nullable=False),
    sa.Column('max_walk_metres', sa.Integer(), nullable=False),
    sa.Column('walk_metres_per_minute', sa.Integer(), nullable=False),
    sa.Column('earliest_arrival_minutes', sa.Integer(), nullable=False),
    sa.Column('way_home_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['prison_id'], ['prison.id'], name=op.f('fk_prison_transport_prison_id_prison')),
    sa.PrimaryKeyConstraint('prison_id', name=op.f('pk_prison_transport'))
    )
    op.create_table('transit_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.String(length=255), nullable=False),
    sa.Column('short_name', sa.String(length=100), nullable=False),
    sa.Column('long_name', sa.String(length=255), nullable=False),
    sa.Column('route_type', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['transit_feed.id'], name=op.f('fk_transit_route_feed_id_transit_feed'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_route')),
    sa.UniqueConstraint('feed_id', 'route_id', name=op.f('uq_transit_route_feed_id_route_id'))
    )
    with op.batch_alter_table('transit_route', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transit_route_feed_id'), ['feed_id'], unique=False)

    op.create_table('transit_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['transit_feed.id'], name=op.f('fk_transit_service_feed_id_transit_feed'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_service')),
    sa.UniqueConstraint('feed_id', 'service_id', name=op.f('uq_transit_service_feed_id_service_id'))
    )
    with op.batch_alter_table('transit_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transit_service_feed_id'), ['feed_id'], unique=False)

    op.create_table('transit_stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('stop_id', sa.String(length=255), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('search_name', sa.String(length=255), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=False),
    sa.Column('longitude', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['transit_feed.id'], name=op.f('fk_transit_stop_feed_id_transit_feed'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_stop')),
    sa.UniqueConstraint('feed_id', 'stop_id', name=op.f('uq_transit_stop_feed_id_stop_id'))
    )
    with op.batch_alter_table('transit_stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transit_stop_feed_id'), ['feed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transit_stop_search_name'), ['search_name'], unique=False)

    op.create_table('transit_service_day',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['transit_feed.id'], name=op.f('fk_transit_service_day_feed_id_transit_feed'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['transit_service.id'], name=op.f('fk_transit_service_day_service_id_transit_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'date', name=op.f('pk_transit_service_day'))
    )
    with op.batch_alter_table('transit_service_day', schema=None) as batch_op:
        batch_op.create_index('ix_transit_service_day_feed_date', ['feed_id', 'date'], unique=False)

    op.create_table('transit_transfer',
    sa.Column('from_stop_id', sa.Integer(), nullable=False),
    sa.Column('to_stop_id', sa.Integer(), nullable=False),
    sa.Column('walk_seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['from_stop_id'], ['transit_stop.id'], name=op.f('fk_transit_transfer_from_stop_id_transit_stop'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_stop_id'], ['transit_stop.id'], name=op.f('fk_transit_transfer_to_stop_id_transit_stop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('from_stop_id', 'to_stop_id', name=op.f('pk_transit_transfer'))
    )
    with op.batch_alter_table('transit_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transit_transfer_to_stop_id'), ['to_stop_id'], unique=False)

    op.create_table('transit_trip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('trip_id', sa.String(length=255), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('headsign', sa.String(length=255), nullable=False),
    sa.Column('headway_secs', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['feed_id'], ['transit_feed.id'], name=op.f('fk_transit_trip_feed_id_transit_feed'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['route_id'], ['transit_route.id'], name=op.f('fk_transit_trip_route_id_transit_route'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['transit_service.id'], name=op.f('fk_transit_trip_service_id_transit_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transit_trip')),
    sa.UniqueConstraint('feed_id', 'trip_id', name=op.f('uq_transit_trip_feed_id_trip_id'))
    )
    with op.batch_alter_table('transit_trip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transit_trip_feed_id'), ['feed_id'], unique=False)

    op.create_table('transit_stop_time',
    sa.Column('trip_id', sa.Integer(), nullable=False),
    sa.Column('stop_sequence', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('stop_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('arrival', sa.Integer(), nullable=False),
    sa.Column('departure', sa.Integer(), nullable=False),
    sa.Column('pickup_type', sa.SmallInteger(), nullable=False),
    sa.Column('drop_off_type', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['transit_service.id'], name=op.f('fk_transit_stop_time_service_id_transit_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stop_id'], ['transit_stop.id'], name=op.f('fk_transit_stop_time_stop_id_transit_stop'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trip_id'], ['transit_trip.id'], name=op.f('fk_transit_stop_time_trip_id_transit_trip'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('trip_id', 'stop_sequence', name=op.f('pk_transit_stop_time'))
    )
    with op.batch_alter_table('transit_stop_time', schema=None) as batch_op:
        batch_op.create_index('ix_transit_stop_time_service_departure', ['service_id', 'departure'], unique=False)
        batch_op.create_index('ix_transit_stop_time_stop_arrival', ['stop_id', 'arrival'], unique=False)


def downgrade():
    with op.batch_alter_table('transit_stop_time', schema=None) as batch_op:
        batch_op.drop_index('ix_transit_stop_time_stop_arrival')
        batch_op.drop_index('ix_transit_stop_time_service_departure')

    op.drop_table('transit_stop_time')
    with op.batch_alter_table('transit_trip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transit_trip_feed_id'))

    op.drop_table('transit_trip')
    with op.batch_alter_table('transit_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transit_transfer_to_stop_id'))

    op.drop_table('transit_transfer')
    with op.batch_alter_table('transit_service_day', schema=None) as batch_op:
        batch_op.drop_index('ix_transit_service_day_feed_date')

    op.drop_table('transit_service_day')
    with op.batch_alter_table('transit_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transit_stop_search_name'))
        batch_op.drop_index(batch_op.f('ix_transit_stop_feed_id'))

    op.drop_table('transit_stop')
    with op.batch_alter_table('transit_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transit_service_feed_id'))

    op.drop_table('transit_service')
    with op.batch_alter_table('transit_route', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transit_route_feed_id'))

    op.drop_table('transit_route')
    op.drop_table('prison_transport')
    with op.batch_alter_table('prison_stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prison_stop_prison_id'))

    op.drop_table('prison_stop')
    op.drop_table('transit_feed')

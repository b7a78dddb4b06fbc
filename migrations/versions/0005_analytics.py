"""analytics: video downloads, ad results, time-window indexes

Revision ID: 0005
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Downloads and ad results feed script effectiveness; the created_at indexes let every
    # analytics query read only its time window; snapshots hold precomputed reports.
    op.create_table('analytics_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('query', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('computed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('analytics_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_snapshots_report_query', ['report', 'query'], unique=True)

    op.create_table('ad_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('impressions', sa.BigInteger(), nullable=False),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.Column('conversions', sa.BigInteger(), nullable=False),
    sa.Column('spend_cents', sa.BigInteger(), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=True),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ad_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ad_results_day'), ['day'], unique=False)
        batch_op.create_index('ix_ad_results_video_day', ['video_id', 'day'], unique=True)

    op.create_table('video_downloads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('video_downloads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_video_downloads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_video_downloads_video_id'), ['video_id'], unique=False)

    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_credit_ledger_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('generated_scripts', schema=None) as batch_op:
        batch_op.create_index('ix_generated_scripts_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('uploaded_images', schema=None) as batch_op:
        batch_op.create_index('ix_uploaded_images_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.create_index('ix_videos_file_path', ['file_path'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_index('ix_videos_file_path')

    with op.batch_alter_table('uploaded_images', schema=None) as batch_op:
        batch_op.drop_index('ix_uploaded_images_created_at')

    with op.batch_alter_table('generated_scripts', schema=None) as batch_op:
        batch_op.drop_index('ix_generated_scripts_created_at')

    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_ledger_created_at')

    with op.batch_alter_table('video_downloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_video_downloads_video_id'))
        batch_op.drop_index(batch_op.f('ix_video_downloads_created_at'))

    op.drop_table('video_downloads')
    with op.batch_alter_table('ad_results', schema=None) as batch_op:
        batch_op.drop_index('ix_ad_results_video_day')
        batch_op.drop_index(batch_op.f('ix_ad_results_day'))

    op.drop_table('ad_results')
    with op.batch_alter_table('analytics_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_snapshots_report_query')

    op.drop_table('analytics_snapshots')

"""staff console: audit log with IP, user agent and target user; staff retries

Revision ID: 0007
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The console's users search matches a fragment anywhere in the email or name
# (`lower(col) LIKE '%q%'`, services/accounts.list_users): on PostgreSQL, trigram indexes
# make that an index lookup instead of a scan of every user. pg_trgm ships with PostgreSQL
# and is a trusted extension (the database owner may create it). SQLite scans (the
# models' indexes are PostgreSQL-only: `ddl_if`).
_TRIGRAM_INDEXES = {
    'ix_users_email_trgm': 'lower(email)',
    'ix_users_name_trgm': 'lower(name)',
}


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, expression in _TRIGRAM_INDEXES.items():
            op.execute(f'CREATE INDEX {name} ON users USING gin ({expression} gin_trgm_ops)')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'target_user_id',
                sa.Integer(),
                sa.ForeignKey(
                    'users.id', ondelete='SET NULL', name='fk_audit_log_target_user_id_users'
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        # Keyset paging (newest id first) within each filter.
        batch_op.drop_index('ix_audit_log_action')
        batch_op.drop_index('ix_audit_log_actor_id')
        batch_op.create_index('ix_audit_log_action_id', ['action', 'id'], unique=False)
        batch_op.create_index('ix_audit_log_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index(
            'ix_audit_log_target_user_id_id', ['target_user_id', 'id'], unique=False
        )
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'retry_of_id',
                sa.Integer(),
                sa.ForeignKey(
                    'videos.id', ondelete='SET NULL', name='fk_videos_retry_of_id_videos'
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column('charge_waived', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index('ix_videos_retry_of_id', ['retry_of_id'], unique=True)
        batch_op.create_index('ix_videos_created_at', ['created_at'], unique=False)
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.alter_column('charge_waived', server_default=None)
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.create_index(
            'ix_credit_ledger_actor_created', ['actor_id', 'created_at'], unique=False
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in _TRIGRAM_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_ledger_actor_created')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_index('ix_videos_created_at')
        batch_op.drop_index('ix_videos_retry_of_id')
        batch_op.drop_column('charge_waived')
        batch_op.drop_column('retry_of_id')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_target_user_id_id')
        batch_op.drop_index('ix_audit_log_actor_id_id')
        batch_op.drop_index('ix_audit_log_action_id')
        batch_op.create_index('ix_audit_log_actor_id', ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_log_action', ['action'], unique=False)
        batch_op.drop_column('user_agent')
        batch_op.drop_column('ip')
        batch_op.drop_column('target_user_id')

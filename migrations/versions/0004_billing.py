"""billing: payments for charges, refunds and disputes; subscriptions

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # server_default only to fill existing rows; the models set the values themselves.
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', _AutoString(length=20), nullable=False, server_default='charge')
        )
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stripe_charge_id', _AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('stripe_refund_id', _AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('stripe_dispute_id', _AutoString(length=255), nullable=True))
        batch_op.add_column(
            sa.Column('stripe_subscription_id', _AutoString(length=255), nullable=True)
        )
        for name in ('amount_refunded_cents', 'credits_clawed_back', 'credits_shortfall'):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('receipt_url', _AutoString(length=1000), nullable=True))
        batch_op.create_foreign_key(
            'fk_payments_parent_id_payments', 'payments', ['parent_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_index(batch_op.f('ix_payments_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_payments_stripe_charge_id'), ['stripe_charge_id'], unique=False
        )
        batch_op.create_unique_constraint('uq_payments_stripe_refund_id', ['stripe_refund_id'])
        batch_op.create_unique_constraint('uq_payments_stripe_dispute_id', ['stripe_dispute_id'])
    with op.batch_alter_table('payments', schema=None) as batch_op:
        for name in ('kind', 'amount_refunded_cents', 'credits_clawed_back', 'credits_shortfall'):
            batch_op.alter_column(name, server_default=None)

    op.create_table(
        'subscriptions',
        sa.Column('id', _AutoString(length=255), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('plan', _AutoString(length=40), nullable=True),
        sa.Column('status', _AutoString(length=40), nullable=False),
        sa.Column('current_period_end', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
        sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('event_created', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_user_id'))
    op.drop_table('subscriptions')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payments_stripe_dispute_id', type_='unique')
        batch_op.drop_constraint('uq_payments_stripe_refund_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_payments_stripe_charge_id'))
        batch_op.drop_index(batch_op.f('ix_payments_parent_id'))
        batch_op.drop_constraint('fk_payments_parent_id_payments', type_='foreignkey')
        for name in (
            'receipt_url', 'credits_shortfall', 'credits_clawed_back', 'amount_refunded_cents',
            'stripe_subscription_id', 'stripe_dispute_id', 'stripe_refund_id',
            'stripe_charge_id', 'parent_id', 'kind',
        ):
            batch_op.drop_column(name)

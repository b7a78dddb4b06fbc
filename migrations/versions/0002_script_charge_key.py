"""script charge key

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: existing rows were paid for before the key was recorded.
    with op.batch_alter_table('generated_scripts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('charge_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_generated_scripts_charge_key'), ['charge_key'], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table('generated_scripts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generated_scripts_charge_key'))
        batch_op.drop_column('charge_key')

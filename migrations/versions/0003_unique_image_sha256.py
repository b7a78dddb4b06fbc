"""unique image sha256, photo thumbnails

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Later copies of a (user_id, sha256) pair: a row with an older one (created first, or at
# the same instant with a lower id) for the same user and bytes.
_FORGET_LATER_DUPLICATES = sa.text(
    """
    UPDATE uploaded_images SET sha256 = NULL
    WHERE sha256 IS NOT NULL AND EXISTS (
        SELECT 1 FROM uploaded_images AS older
        WHERE older.user_id = uploaded_images.user_id
          AND older.sha256 = uploaded_images.sha256
          AND (older.created_at < uploaded_images.created_at
               OR (older.created_at = uploaded_images.created_at
                   AND older.id < uploaded_images.id))
    )
    """
)


def upgrade() -> None:
    # Concurrent uploads may already have stored the same photo twice. The oldest row keeps
    # its hash and stays the one a repeat upload returns; the later ones lose theirs (NULLs
    # never collide in a unique index) instead of being deleted, because scripts and videos
    # point at them by image_id and each is a complete photo with its own file.
    op.execute(_FORGET_LATER_DUPLICATES)
    with op.batch_alter_table('uploaded_images', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('thumbnail_path', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.drop_index('ix_uploaded_images_user_sha')
        batch_op.create_index('ix_uploaded_images_user_sha', ['user_id', 'sha256'], unique=True)


def downgrade() -> None:
    # The hashes cleared on the way up stay cleared: nothing records which they were.
    with op.batch_alter_table('uploaded_images', schema=None) as batch_op:
        batch_op.drop_index('ix_uploaded_images_user_sha')
        batch_op.create_index('ix_uploaded_images_user_sha', ['user_id', 'sha256'], unique=False)
        batch_op.drop_column('thumbnail_path')

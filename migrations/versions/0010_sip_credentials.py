"""softphone credentials of the voice channel's SIP switch (VOX1): the digest HA1 per agent

Revision ID: sip1
Revises: 0001
Create Date: 2026-12-02 03:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import core.store.types

revision: str = 'sip1'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('sip_credential',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('realm', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('ha1', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('updated_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id'),
    sa.UniqueConstraint('username')
    )


def downgrade() -> None:
    op.drop_table('sip_credential')

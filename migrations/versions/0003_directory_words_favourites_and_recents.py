"""directory words, favourites and recents

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:39:22.660771
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import core.store.types


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('favourite_target',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('added_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'target_id')
    )
    op.create_table('recent_target',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('used_at', core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'target_id')
    )
    op.create_table('target_word',
    sa.Column('word', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('search_key', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], ),
    sa.PrimaryKeyConstraint('word', 'target_id')
    )
    with op.batch_alter_table('target_word', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_word_target_id'), ['target_id'], unique=False)
        batch_op.create_index('ix_target_word_order', ['word', 'search_key', 'kind', 'target_id'], unique=False)

    # Index the targets that exist already, with the same folding as the application.
    from core.directory.text import search_key, words

    bind = op.get_bind()
    targets = bind.execute(sa.text("SELECT id, name, kind FROM target")).all()
    for target_id, name, _ in targets:
        bind.execute(sa.text("UPDATE target SET search_key = :k WHERE id = :i"), {"k": search_key(name), "i": target_id})
    rows = [{"w": w, "t": target_id, "k": search_key(name), "kind": kind}
            for target_id, name, kind in targets for w in dict.fromkeys(words(name))]
    if rows:
        bind.execute(sa.text("INSERT INTO target_word (word, target_id, search_key, kind) VALUES (:w, :t, :k, :kind)"), rows)


def downgrade() -> None:
    with op.batch_alter_table('target_word', schema=None) as batch_op:
        batch_op.drop_index('ix_target_word_order')
        batch_op.drop_index(batch_op.f('ix_target_word_target_id'))
    op.drop_table('target_word')
    op.drop_table('recent_target')
    op.drop_table('favourite_target')

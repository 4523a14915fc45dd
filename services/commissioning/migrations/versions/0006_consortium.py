"""consortium bids: a lead's and its members' shares and confirmations on the bid

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:40:00.000000

``bids.consortium`` holds a consortium bid's lead shares and its members (shares of work and
value, each member's confirmation); null for a bid by one enterprise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bids", sa.Column("consortium", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bids") as batch:
        batch.drop_column("consortium")

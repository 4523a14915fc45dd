"""Tables of the commissioning database (SQLAlchemy Core; one Alembic history)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from streetlevel.common.db import Pence, UtcDateTime
from streetlevel.common.idempotency import idempotency_table
from streetlevel.common.inbox import inbox_tables
from streetlevel.common.outbox import outbox_table
from streetlevel.common.themes import theme_table

metadata = MetaData()
outbox = outbox_table(metadata)
inbox = inbox_tables(metadata)
idempotency = idempotency_table(metadata)

BigId = BigInteger().with_variant(Integer(), "sqlite")
TZ = UtcDateTime

commissions = Table(
    "commissions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("ocid", String(100), nullable=False, unique=True),
    Column("buyer_id", String(50), nullable=False, index=True),
    Column("buyer_name", String(300), nullable=False),
    Column("buyer_area", String(20), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("spec", JSON, nullable=False),
    Column("lot_states", JSON, nullable=False),
    Column("amendments", JSON, nullable=False),
    Column("tender_end", TZ, nullable=False),
    Column("cancel_reason", Text, nullable=True),
    Column("created_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("published_at", TZ, nullable=True),
    Column("version", Integer, nullable=False),
    Index("ix_commissions_due", "status", "tender_end"),
)

questions = Table(
    "questions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commission_id", String(36), ForeignKey("commissions.id"), nullable=False, index=True),
    Column("asker_id", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("answer", Text, nullable=True),
    Column("asked_at", TZ, nullable=False),
    Column("answered_at", TZ, nullable=True),
)

bids = Table(
    "bids",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commission_id", String(36), ForeignKey("commissions.id"), nullable=False),
    Column("lot_id", String(36), nullable=False),
    Column("enterprise_id", String(36), nullable=False),
    Column("status", String(20), nullable=False),
    Column("price", Pence, nullable=False),
    Column("proposal", Text, nullable=False),
    Column("commitments", JSON, nullable=False),
    Column("quality_score", String(20), nullable=True),
    Column("social_value_score", String(20), nullable=True),
    Column("score_note", Text, nullable=True),
    Column("disqualified_reason", Text, nullable=True),
    # A consortium bid's lead shares and members (docs/consortium.md); null for one enterprise.
    Column("consortium", JSON, nullable=True),
    Column("submitted_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_bids_lot", "commission_id", "lot_id"),
    Index(
        "ux_bids_one_live",
        "commission_id",
        "lot_id",
        "enterprise_id",
        unique=True,
        postgresql_where=text("status = 'submitted'"),
        sqlite_where=text("status = 'submitted'"),
    ),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commission_id", String(36), ForeignKey("commissions.id"), nullable=False, index=True),
    Column("ocid", String(100), nullable=False),
    Column("lot_id", String(36), nullable=False),
    Column("bid_id", String(36), nullable=False, unique=True),
    Column("buyer_id", String(50), nullable=False),
    Column("supplier_id", String(36), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("value", Pence, nullable=False),
    Column("paid_total", Pence, nullable=False),
    Column("document", JSON, nullable=False),
    # Set when the buyer activated before the start: the scheduler activates it then.
    Column("activate_at", TZ, nullable=True),
    Column("created_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_contracts_due", "status", "activate_at"),
)

payment_lines = Table(
    "payment_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("contract_id", String(36), ForeignKey("contracts.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("observation_id", String(36), nullable=False),
    Column("indicator_code", String(100), nullable=False),
    Column("period_start", String(10), nullable=False),
    Column("period_end", String(10), nullable=False),
    Column("area", String(20), nullable=True),
    Column("units", String(40), nullable=False),
    Column("unit_price", Pence, nullable=False),
    Column("amount", Pence, nullable=False),
    Column("running_total", Pence, nullable=False),
    Column("note", Text, nullable=True),
    Column("reversed", Integer, nullable=False, server_default="0"),
    Column("created_at", TZ, nullable=False),
    UniqueConstraint("contract_id", "line_no", name="uq_payment_lines_no"),
    Index("ix_payment_lines_obs", "contract_id", "observation_id"),
)

#: Invoice-like amounts owed on a contract or a grant (domain/payables.py), never both; one
#: per (contract, source) or (grant, source).
payables = Table(
    "payables",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("contract_id", String(36), ForeignKey("contracts.id"), nullable=True),
    Column(
        "grant_id", String(36), ForeignKey("grants.id", name="fk_payables_grant"), nullable=True
    ),
    Column("buyer_id", String(50), nullable=False),
    Column("supplier_id", String(36), nullable=False),
    Column("basis", String(20), nullable=False),
    Column("source", String(80), nullable=False),
    Column("amount", Pence, nullable=False),
    Column("received_on", String(10), nullable=False),
    Column("due_on", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("paid_on", String(10), nullable=True),
    Column("was_late", Integer, nullable=False, server_default="0"),
    Column("document", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
    UniqueConstraint("contract_id", "source", name="uq_payables_source"),
    UniqueConstraint("grant_id", "source", name="uq_payables_grant_source"),
    CheckConstraint("(contract_id IS NULL) <> (grant_id IS NULL)", name="ck_payables_one_owner"),
    Index("ix_payables_buyer", "buyer_id", "received_on"),
    Index("ix_payables_grant", "grant_id"),
    Index("ix_payables_due", "status", "due_on"),
    Index("ix_payables_contract", "contract_id"),
)

#: Outcome reports the buyer left unverified past their deadline (outcomes escalated them).
escalations = Table(
    "verification_escalations",
    metadata,
    Column("observation_id", String(36), primary_key=True),
    Column("contract_id", String(36), nullable=False),
    Column("buyer_id", String(50), nullable=False),
    Column("escalated_on", String(10), nullable=False),
    Index("ix_escalations_buyer", "buyer_id", "escalated_on"),
)

releases = Table(
    "ocds_releases",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("release_id", String(150), nullable=False, unique=True),
    Column("ocid", String(100), nullable=False, index=True),
    Column("buyer_id", String(50), nullable=False),
    Column("date", TZ, nullable=False),
    Column("document", JSON, nullable=False),
)

#: Published Procurement Act notices and their submission to Find a Tender (service/notices.py).
notice_submissions = Table(
    "notice_submissions",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("notice_id", String(36), nullable=False, unique=True),
    Column("notice_type", String(8), nullable=False),
    Column("commission_id", String(36), nullable=False, index=True),
    Column("contract_id", String(36), nullable=True),
    Column("buyer_id", String(50), nullable=False, index=True),
    Column("release_id", String(150), nullable=False),
    Column("published_at", TZ, nullable=False),
    Column("status", String(12), nullable=False),
    Column("reference", String(100), nullable=True),
    Column("submitted_at", TZ, nullable=True),
    Column("decided_at", TZ, nullable=True),
    Column("reason", Text, nullable=True),
)

#: Contract modifications (UK10) and terminations (UK11): the public history of a contract.
contract_changes = Table(
    "contract_changes",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("contract_id", String(36), nullable=False, index=True),
    Column("kind", String(12), nullable=False),
    Column("recorded_at", TZ, nullable=False),
    Column("notice_id", String(36), nullable=True),
    Column("notice_type", String(8), nullable=True),
    Column("basis", Text, nullable=False),
    Column("details", JSON, nullable=False),
)

enterprises = Table(
    "enterprise_read_model",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("name", String(300), nullable=False),
    Column("record", JSON, nullable=False),
    Column("updated_at", TZ, nullable=False),
)

indicators = Table(
    "indicator_read_model",
    metadata,
    Column("code", String(100), primary_key=True),
    Column("record", JSON, nullable=False),
    Column("updated_at", TZ, nullable=False),
)

themes = theme_table(metadata)

# A lot's evaluation panel (members, declarations, scores, moderation, award, history) is one
# aggregate, stored whole: it is read and changed together, under the commission's lock.
evaluations = Table(
    "evaluations",
    metadata,
    Column("commission_id", String(36), ForeignKey("commissions.id"), primary_key=True),
    Column("lot_id", String(36), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("version", Integer, nullable=False),
)

notices = Table(
    "notices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commission_id", String(36), ForeignKey("commissions.id"), nullable=False, index=True),
    # The lot whose award cycle the notice belongs to (None: the whole commission, e.g. UK4).
    Column("lot_id", String(36), nullable=True),
    Column("contract_id", String(36), nullable=True),
    Column("notice_type", String(10), nullable=False),
    Column("published_at", TZ, nullable=False),
    Column("fields", JSON, nullable=False),
)

# Ward micro-grants (docs/grants.md): outside procurement, in tables of their own.
grant_programmes = Table(
    "grant_programmes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("council_id", String(50), nullable=False, index=True),
    Column("council_name", String(300), nullable=False),
    Column("title", String(300), nullable=False),
    Column("description", Text, nullable=False),
    Column("areas", JSON, nullable=False),
    Column("criteria", JSON, nullable=False),
    Column("budget", Pence, nullable=False),
    Column("max_grant", Pence, nullable=False),
    Column("committed", Pence, nullable=False),
    Column("closes_on", String(10), nullable=True),
    Column("payment_terms_days", Integer, nullable=False, server_default="30"),
    Column("status", String(12), nullable=False),
    Column("opened_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("version", Integer, nullable=False),
)

grant_applications = Table(
    "grant_applications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "programme_id", String(36), ForeignKey("grant_programmes.id"), nullable=False, index=True
    ),
    Column("enterprise_id", String(36), nullable=False, index=True),
    Column("enterprise_name", String(300), nullable=False),
    Column("amount_requested", Pence, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("people_reached", Integer, nullable=False),
    # The applicant's contact: for the council alone, never in events or open data.
    Column("contact", Text, nullable=True),
    Column("status", String(12), nullable=False),
    Column("submitted_at", TZ, nullable=False),
    Column("decided_at", TZ, nullable=True),
)

grant_decisions = Table(
    "grant_decisions",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("programme_id", String(36), nullable=False, index=True),
    Column("method", String(20), nullable=False),
    Column("document", JSON, nullable=False),
    Column("decided_at", TZ, nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "programme_id", String(36), ForeignKey("grant_programmes.id"), nullable=False, index=True
    ),
    Column("decision_id", String(36), nullable=False),
    Column("application_id", String(36), nullable=False, unique=True),
    Column("council_id", String(50), nullable=False, index=True),
    Column("council_name", String(300), nullable=False),
    Column("recipient_id", String(36), nullable=False, index=True),
    Column("recipient_name", String(300), nullable=False),
    Column("title", String(300), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("areas", JSON, nullable=False),
    Column("amount", Pence, nullable=False),
    Column("people_planned", Integer, nullable=False),
    Column("awarded_on", String(10), nullable=False),
    Column("payment_terms_days", Integer, nullable=False, server_default="30"),
    Column("report", JSON, nullable=True),
    Column("created_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
    Column("version", Integer, nullable=False),
)

#: Each grant's instalments: the schedule; each is also a payable (basis ``grant``).
grant_payments = Table(
    "grant_payments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("grant_id", String(36), ForeignKey("grants.id"), nullable=False),
    Column("no", Integer, nullable=False),
    Column("due_on", String(10), nullable=False),
    Column("amount", Pence, nullable=False),
    Column("paid_on", String(10), nullable=True),
    Column("reference", String(100), nullable=True),
    UniqueConstraint("grant_id", "no", name="uq_grant_payments_no"),
)

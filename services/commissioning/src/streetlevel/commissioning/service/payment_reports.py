"""Payment performance, published: a council's UK8 figures per half-year, and their OCDS form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from streetlevel.commissioning.adapters.clock import db_now
from streetlevel.commissioning.adapters.ocds_package import package_meta
from streetlevel.commissioning.adapters.payable_repository import PayableRepository
from streetlevel.commissioning.domain.commission import iso
from streetlevel.commissioning.domain.payment_performance import (
    PaymentPerformance,
    half_year,
    performance,
    period_of,
)
from streetlevel.commissioning.service.context import Services


async def payment_performance(
    *, services: Services, org_id: str, period: str | None
) -> PaymentPerformance:
    """The figures of ``org_id`` for ``period`` (``2026-H2``; now's), as of now; open to anyone."""
    async with services.runtime.sessions() as session:
        now = await db_now(session, services.clock)
        period = period or period_of(now.date())
        start, end = half_year(period)
        repo = PayableRepository(session)
        payables = await repo.for_buyer(org_id, start, end)
        escalated = await repo.escalations(org_id, start, end)
    return performance(org_id, period, payables, today=now.date(), escalated_reports=escalated)


def ocds_package(services: Services, f: PaymentPerformance, url: str) -> dict[str, Any]:
    """An OCDS release package carrying the figures as a UK8 notice document (docs/payments.md).

    OCDS has no payments-compliance fields: the release names the council as buyer and holds
    one document with the UK extension's ``noticeType`` ``UK8``, the figures in its
    description and the JSON report at its ``url``.
    """
    settings = services.settings
    base = settings.public_base_url
    # Dated by the day (the period's close once over), so that the package, and its ETag,
    # change only when the figures can: a release per request would differ every time.
    today = min(services.clock.now().date(), f.end + timedelta(days=1))
    now = datetime(today.year, today.month, today.day, tzinfo=UTC)
    ocid = f"{settings.ocid_prefix}-uk8-{f.org_id}-{f.period}"
    pct = "n/a" if f.paid_within_30_days_pct is None else f"{f.paid_within_30_days_pct}%"
    avg = "n/a" if f.average_days_to_pay is None else f"{f.average_days_to_pay} days"
    description = (
        f"Payments compliance, {f.start.isoformat()} to {f.end.isoformat()}: "
        f"{f.invoices_paid} invoices paid, {f.paid_within_30_days} ({pct}) within 30 days, "
        f"average {avg} to pay, {f.late} late, {f.disputed} disputed, "
        f"{f.escalated_reports} outcome reports escalated unverified."
    )
    party = {"id": f.org_id, "name": f.org_id, "roles": ["buyer"]}
    release = {
        "ocid": ocid,
        "id": f"{ocid}-{now.date().isoformat()}",
        "date": iso(now),
        "tag": ["planning"],
        "initiationType": "tender",
        "language": "en",
        "parties": [party],
        "buyer": {"id": f.org_id, "name": f.org_id},
        "planning": {
            "documents": [
                {
                    "id": f"UK8-{f.period}",
                    "noticeType": "UK8",
                    "title": f"Payments compliance notice {f.period}",
                    "description": description,
                    "url": url,
                    "format": "application/json",
                    "datePublished": iso(now),
                    "language": "en",
                }
            ]
        },
    }
    return {**package_meta(url, now, base_url=base), "releases": [release]}

"""Procurement Act notices (UK2 to UK12) as OCDS 1.1 releases in the UK profile (Find a Tender)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streetlevel.commissioning.adapters.notice_parts import (
    PROCUREMENT_METHOD,
    add_party,
    add_subcontracting,
    cpv_items,
    notice_release_id,
    ocds_lots,
    ocds_period,
    ocds_value,
    rfc3339,
    suitability_of,
)
from streetlevel.commissioning.domain.procurement.notices import NOTICES

_OCE = "https://raw.githubusercontent.com/open-contracting-extensions"
#: The UK extension and what it depends on, declared one by one (no EU profile), with lots,
#: contract completion and metrics (UK7's KPIs); Find a Tender's unlicensed Links is left out.
UK_EXTENSIONS = (
    f"{_OCE}/ocds_lots_extension/v1.1.5/extension.json",
    f"{_OCE}/ocds_awardCriteria_extension/master/extension.json",
    f"{_OCE}/ocds_bid_extension/v1.1.5/extension.json",
    f"{_OCE}/ocds_communication_extension/master/extension.json",
    f"{_OCE}/ocds_location_extension/master/extension.json",
    f"{_OCE}/ocds_otherRequirements_extension/master/extension.json",
    f"{_OCE}/ocds_performance_failures_extension/master/extension.json",
    f"{_OCE}/ocds_subcontracting_extension/master/extension.json",
    f"{_OCE}/ocds_suitability_extension/master/extension.json",
    f"{_OCE}/ocds_techniques_extension/master/extension.json",
    f"{_OCE}/ocds_contract_completion_extension/master/extension.json",
    f"{_OCE}/ocds_metrics_extension/v1.1/extension.json",
    "https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json",
)

#: Per notice: the release tag, the section its document sits in and the OCDS document type.
MAPPING: dict[str, tuple[str, str, str]] = {
    "UK2": ("planning", "planning", "marketEngagementNotice"),
    "UK3": ("planning", "planning", "plannedProcurementNotice"),
    "UK4": ("tender", "tender", "tenderNotice"),
    "UK5": ("tender", "tender", "tenderNotice"),
    "UK6": ("award", "awards", "awardNotice"),
    "UK7": ("contract", "contracts", "contractNotice"),
    "UK10": ("contractAmendment", "contracts", "contractNotice"),
    "UK11": ("contractTermination", "contracts", "contractTerminationNotice"),
    "UK12": ("tenderCancellation", "tender", "tenderCancellationNotice"),
}


def _document(notice: Mapping[str, Any], doc_type: str, base_url: str, date: str) -> dict[str, Any]:
    spec = NOTICES[notice["notice_type"]]
    return {
        "id": str(notice["notice_id"]),
        "documentType": doc_type,
        "noticeType": spec.code,
        "title": spec.name,
        "description": f"{spec.name} ({spec.code}) under the Procurement Act 2023, {spec.section}",
        "url": f"{base_url}/v1/notices/{notice['notice_id']}",
        "datePublished": date,
        "format": "application/json",
        "language": "en",
    }


def render_notice(notice: Mapping[str, Any], *, ocid: str, base_url: str) -> dict[str, Any]:
    """One OCDS release (UK profile) for a published notice: NoticePublished's data."""
    code = str(notice["notice_type"])
    if code not in MAPPING:
        raise ValueError(f"not a Procurement Act notice type: {code}")
    fields: Mapping[str, Any] = notice.get("fields") or {}
    date = rfc3339(notice["published_at"]) or ""
    tag, section, doc_type = MAPPING[code]
    document = _document(notice, doc_type, base_url, date)
    if code in ("UK11", "UK12") and fields.get("reason"):
        document["description"] += f". Reason: {fields['reason']}"
    parties: list[dict[str, Any]] = []
    authority = fields.get("contracting_authority") or {"name": "Unknown authority"}
    buyer = add_party(parties, authority, "buyer")
    tender: dict[str, Any] = {
        "id": str(fields.get("procurement_id") or notice["commission_id"]),
        "title": str(fields.get("title", "")),
        "description": str(fields.get("description") or fields.get("title", "")),
        "mainProcurementCategory": str(fields.get("main_category") or "services"),
    }
    if isinstance(fields.get("above_threshold"), bool):
        tender["aboveThreshold"] = fields["above_threshold"]
    items = cpv_items(fields)
    if items:
        tender["items"] = items
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": notice_release_id(ocid, str(notice["notice_id"])),
        "date": date,
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": buyer,
        "tender": tender,
    }
    builder = _BUILDERS[code]
    builder(release, fields, notice, parties)
    _place_document(release, section, document, notice)
    return release


def _place_document(
    release: dict[str, Any], section: str, document: dict[str, Any], notice: Mapping[str, Any]
) -> None:
    """The notice's own document, in the section FTS puts it (awards/contracts: each one)."""
    if section in ("planning", "tender"):
        release.setdefault(section, {}).setdefault("documents", []).append(document)
        return
    for entry in release.get(section, []):
        entry.setdefault("documents", []).append(document)


def _uk2(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    milestone: dict[str, Any] = {
        "id": f"engagement-{n['notice_id']}",
        "title": "Preliminary market engagement",
        "type": "engagement",
        "description": str(f.get("engagement_description", "")),
    }
    if rfc3339(f.get("engagement_deadline")):
        milestone["dueDate"] = rfc3339(f.get("engagement_deadline"))
    r["planning"] = {"milestones": [milestone]}
    r["tender"]["status"] = "planning"


def _uk3(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    r["planning"] = {}
    tender = r["tender"]
    tender["status"] = "planning"
    value = ocds_value(f.get("estimated_value"))
    if value:
        tender["value"] = value
    if rfc3339(f.get("estimated_tender_notice_date")):
        tender["communication"] = {"futureNoticeDate": rfc3339(f["estimated_tender_notice_date"])}


def _uk4(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    tender = r["tender"]
    tender["status"] = "active"
    value = ocds_value(f.get("estimated_value"))
    if value:
        tender["value"] = value
    procedure = str(f.get("procedure") or "open")
    tender["procurementMethod"] = PROCUREMENT_METHOD.get(procedure, "open")
    tender["procurementMethodDetails"] = procedure.replace("_", " ").capitalize() + " procedure"
    start = r["date"]
    if rfc3339(f.get("tender_deadline")):
        tender["tenderPeriod"] = {"startDate": start, "endDate": rfc3339(f["tender_deadline"])}
    if rfc3339(f.get("enquiry_deadline")):
        tender["enquiryPeriod"] = {"startDate": start, "endDate": rfc3339(f["enquiry_deadline"])}
    period = ocds_period(f.get("contract_period"))
    if period:
        tender["contractPeriod"] = period
    suitability = suitability_of(f)
    if suitability:
        tender["suitability"] = suitability
    if _stated(f.get("reservations")):
        # The Act's reservations (s.32-33 and Part 6) read as FTS's single UK code.
        tender["otherRequirements"] = {"reservedParticipation": ["smeVcse"]}
    if _stated(f.get("conditions_of_participation")):
        conditions = f["conditions_of_participation"]
        tender["eligibilityCriteria"] = (
            "; ".join(map(str, conditions)) if isinstance(conditions, list) else str(conditions)
        )
    lots = ocds_lots(f, "active")
    if lots:
        tender["lots"] = lots
    elif f.get("award_criteria"):
        tender["awardCriteriaDetails"] = ", ".join(
            f"{c.get('name')} {c.get('weight')} %" for c in f["award_criteria"]
        )


def _stated(value: Any) -> bool:
    """A field the notice must carry may say "none": that states an absence, not a value."""
    return bool(value) and value != "none"


def _uk5(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    tender = r["tender"]
    tender["status"] = "active"
    tender["procurementMethod"] = "direct"
    tender["procurementMethodDetails"] = f"Direct award: {f.get('direct_award_ground', '')}"
    tender["procurementMethodRationale"] = str(f.get("justification", ""))
    value = ocds_value(f.get("estimated_value"))
    if value:
        tender["value"] = value
    award: dict[str, Any] = {"id": f"award-{n['notice_id']}", "status": "pending"}
    if isinstance(f.get("supplier"), Mapping):
        award["suppliers"] = [add_party(p, f["supplier"], "supplier")]
    if value:
        award["value"] = value
    period = ocds_period(f.get("contract_period"))
    if period:
        award["contractPeriod"] = period
    r["awards"] = [award]
    r["tag"] = ["tender", "award"]


def _uk6(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    lots = ocds_lots(f, "complete")
    if lots:
        r["tender"]["lots"] = lots
    period = ocds_period(f.get("contract_period"))
    awards = []
    for i, supplier in enumerate(s for s in f.get("suppliers") or [] if isinstance(s, Mapping)):
        related = [str(x) for x in supplier.get("lots") or []]
        if supplier.get("lot_id"):
            related.append(str(supplier["lot_id"]))
        award: dict[str, Any] = {
            "id": f"award-{supplier.get('contract_id') or _nth(n, i)}",
            "status": "pending",
            "suppliers": [add_party(p, supplier, "supplier")],
            "standstillPeriod": {
                "startDate": r["date"],
                "endDate": rfc3339(f.get("standstill_end")),
            },
        }
        if rfc3339(f.get("award_decision_date")):
            award["date"] = rfc3339(f["award_decision_date"])
        value = ocds_value(supplier.get("value")) or ocds_value(f.get("contract_value"))
        if value:
            award["value"] = value
        if related:
            award["relatedLots"] = related
        if period:
            award["contractPeriod"] = period
        if rfc3339(f.get("assessment_summaries_sent")):
            award["assessmentSummariesDateSent"] = rfc3339(f["assessment_summaries_sent"])
        if isinstance(f.get("above_threshold"), bool):
            award["aboveThreshold"] = f["above_threshold"]
        add_subcontracting(award, p, supplier.get("subcontractors"))
        awards.append(award)
    r["awards"] = awards


def _nth(n: Mapping[str, Any], i: int) -> str:
    return f"{n['notice_id']}-{i + 1}"


def _award_id(f: Mapping[str, Any], n: Mapping[str, Any]) -> str:
    """The award a contract comes from: as the commission's own OCDS feed names it."""
    return str(f.get("award_id") or f"award-{_contract_id(f, n)}")


def _contract_id(f: Mapping[str, Any], n: Mapping[str, Any]) -> str:
    return str(n.get("contract_id") or f.get("contract_id") or n["notice_id"])


def _uk7(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    value = ocds_value(f.get("contract_value"))
    period = ocds_period(f.get("contract_period"))
    award: dict[str, Any] = {"id": _award_id(f, n), "status": "active"}
    if isinstance(f.get("supplier"), Mapping):
        award["suppliers"] = [add_party(p, f["supplier"], "supplier")]
        add_subcontracting(award, p, f.get("subcontractors"))
    if f.get("lot_id"):
        award["relatedLots"] = [str(f["lot_id"])]
    contract: dict[str, Any] = {
        "id": _contract_id(f, n),
        "awardID": award["id"],
        "status": "active",
        "dateSigned": rfc3339(f.get("date_entered_into")),
    }
    for target in (award, contract):
        if value:
            target["value"] = value
    if period:
        award["contractPeriod"] = period
        contract["period"] = period
    kpis = f.get("kpis_or_reason")
    if isinstance(kpis, list):
        contract["agreedMetrics"] = [
            {"id": str(i + 1), "title": str(k.get("title") if isinstance(k, Mapping) else k)}
            for i, k in enumerate(kpis)
        ]
    elif kpis:
        contract["noAgreedMetricsRationale"] = str(kpis)
    if isinstance(f.get("above_threshold"), bool):
        contract["aboveThreshold"] = f["above_threshold"]
    r["awards"] = [award]
    r["contracts"] = [contract]
    r["tag"] = ["award", "contract"]


def _uk10(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    change = f.get("value_change")
    after = change.get("after") if isinstance(change, Mapping) and "after" in change else change
    amendment: dict[str, Any] = {
        "id": str(n["notice_id"]),
        "date": r["date"],
        "description": str(f.get("change_description", "")),
        "rationale": str(f.get("reason", "")),
    }
    value = ocds_value(after)
    if value:
        amendment["value"] = value
    period = ocds_period(f.get("contract_period"))
    if period:
        amendment["period"] = period
    if isinstance(f.get("standstill"), bool):
        amendment["standstill"] = f["standstill"]
    if isinstance(f.get("above_threshold"), bool):
        amendment["aboveThreshold"] = f["above_threshold"]
    contract: dict[str, Any] = {
        "id": _contract_id(f, n),
        "awardID": _award_id(f, n),
        "amendments": [amendment],
    }
    if value:
        contract["value"] = value
    if period:
        contract["period"] = period
    r["contracts"] = [contract]


def _uk11(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    ended = rfc3339(f.get("termination_date"))
    implementation: dict[str, Any] = {"endDate": ended, "endDateDetails": str(f.get("reason", ""))}
    final = ocds_value(f.get("final_value"))
    if final:
        implementation["finalValue"] = final
    r["contracts"] = [
        {
            "id": _contract_id(f, n),
            "awardID": _award_id(f, n),
            "status": "terminated",
            "description": f"Terminated: {f.get('reason', '')}",
            "implementation": implementation,
        }
    ]


def _uk12(r: dict[str, Any], f: Mapping[str, Any], n: Mapping[str, Any], p: list[Any]) -> None:
    tender = r["tender"]
    tender["status"] = "cancelled"
    lots = ocds_lots(f, "cancelled")
    if lots:
        tender["lots"] = lots


_BUILDERS = {
    "UK2": _uk2,
    "UK3": _uk3,
    "UK4": _uk4,
    "UK5": _uk5,
    "UK6": _uk6,
    "UK7": _uk7,
    "UK10": _uk10,
    "UK11": _uk11,
    "UK12": _uk12,
}

"""Every Procurement Act notice renders as an OCDS release valid in the UK profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from streetlevel.commissioning.adapters.notice_releases import (
    MAPPING,
    UK_EXTENSIONS,
    render_notice,
)
from streetlevel.commissioning.domain.procurement.notices import NOTICES

OCID = "ocds-stlvl0-cmn-befriending-2027"
BASE = "https://streetlevel.example"
CODES = sorted(NOTICES, key=lambda c: int(c[2:]))


def _package(releases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uri": f"{BASE}/v1/notices",
        "version": "1.1",
        "extensions": list(UK_EXTENSIONS),
        "publishedDate": "2027-02-10T10:00:00Z",
        "publisher": {"name": "Street Level", "uri": BASE},
        "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "publicationPolicy": f"{BASE}/open-data",
        "releases": releases,
    }


def test_every_notice_type_is_mapped() -> None:
    assert set(MAPPING) == set(NOTICES) == {f"UK{n}" for n in (2, 3, 4, 5, 6, 7, 10, 11, 12)}


@pytest.fixture(scope="module")
def report(
    notice_for: Callable[[str], dict[str, Any]], validate_uk: Callable[..., Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    releases = [render_notice(notice_for(c), ocid=OCID, base_url=BASE) for c in CODES]
    result: tuple[dict[str, Any], dict[str, Any]] = validate_uk(_package(releases))
    return result


@pytest.mark.parametrize("code", CODES)
def test_each_notice_is_valid_in_the_uk_profile(
    code: str, report: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    result, invalid = report
    index = CODES.index(code)
    mine = [
        e
        for e in result["validation_errors"]
        if str(e.get("path", "")).startswith(f"releases/{index}/")
    ]
    assert mine == []
    assert invalid == {}


def test_the_package_has_no_errors_extras_or_closed_codelist_breaches(
    report: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    result, invalid = report
    assert result["validation_errors"] == []
    assert not result.get("additional_closed_codelist_values")
    assert not result.get("additional_fields")
    assert invalid == {}
    assert result["extensions"]["invalid_extension"] == {}


@pytest.mark.parametrize("code", CODES)
def test_the_notice_document_carries_the_uk_code(
    code: str, notice_for: Callable[[str], dict[str, Any]]
) -> None:
    release = render_notice(notice_for(code), ocid=OCID, base_url=BASE)
    tag, section, doc_type = MAPPING[code]
    holder = release[section]
    documents = (
        holder["documents"]
        if isinstance(holder, dict)
        else [d for e in holder for d in e["documents"]]
    )
    assert {(d["noticeType"], d["documentType"]) for d in documents} == {(code, doc_type)}
    assert release["id"] == f"{OCID}-notice-ntc-{code.lower()}"
    assert tag in release["tag"]
    buyer = next(p for p in release["parties"] if "buyer" in p["roles"])
    assert buyer["identifier"] == {
        "scheme": "GB-PPON",
        "id": "PBLK-3462-WQRD",
        "legalName": "Blackpool Council",
    }
    assert buyer["id"] == "GB-PPON-PBLK-3462-WQRD"
    assert release["tender"]["items"][0]["classification"] == {"scheme": "CPV", "id": "85320000"}
    assert release["tender"]["items"][0]["additionalClassifications"] == [
        {"scheme": "CPV", "id": "85312400"}
    ]


def test_uk4_carries_lots_criteria_suitability_and_periods(
    notice_for: Callable[[str], dict[str, Any]],
) -> None:
    tender = render_notice(notice_for("UK4"), ocid=OCID, base_url=BASE)["tender"]
    assert [lot["id"] for lot in tender["lots"]] == ["lot-1", "lot-2"]
    assert tender["lots"][0]["value"] == {"amount": 96000.0, "currency": "GBP"}
    weights = [c["numbers"][0]["number"] for c in tender["lots"][0]["awardCriteria"]["criteria"]]
    assert weights == [40, 45, 15]
    assert tender["suitability"] == {"sme": True, "vcse": True}
    assert tender["tenderPeriod"]["endDate"] == "2027-01-08T12:00:00Z"
    assert tender["procurementMethod"] == "open"
    assert [i["relatedLot"] for i in tender["items"]] == ["lot-1", "lot-2"]


def test_uk6_has_an_award_per_supplier_with_standstill(
    notice_for: Callable[[str], dict[str, Any]],
) -> None:
    release = render_notice(notice_for("UK6"), ocid=OCID, base_url=BASE)
    awards = release["awards"]
    assert [a["id"] for a in awards] == ["award-ctr-anchorsholme", "award-ctr-bispham"]
    assert awards[0]["standstillPeriod"]["endDate"] == "2027-02-22T23:59:59Z"
    assert awards[0]["relatedLots"] == ["lot-1"]
    supplier = next(p for p in release["parties"] if p["id"] == "GB-PPON-PQRT-1190-KMNB")
    assert supplier["roles"] == ["supplier"]


def test_uk10_is_an_amendment_with_the_new_value(
    notice_for: Callable[[str], dict[str, Any]],
) -> None:
    contract = render_notice(notice_for("UK10"), ocid=OCID, base_url=BASE)["contracts"][0]
    assert contract["id"] == "ctr-anchorsholme"
    assert contract["awardID"] == "award-ctr-anchorsholme"
    amendment = contract["amendments"][0]
    assert amendment["value"] == {"amount": 112000.0, "currency": "GBP"}
    assert amendment["description"].startswith("Add Norbreck")


def test_uk11_terminates_the_contract(notice_for: Callable[[str], dict[str, Any]]) -> None:
    release = render_notice(notice_for("UK11"), ocid=OCID, base_url=BASE)
    contract = release["contracts"][0]
    assert release["tag"] == ["contractTermination"]
    assert contract["status"] == "terminated"
    assert contract["implementation"]["endDate"] == "2028-09-30T00:00:00Z"
    assert contract["implementation"]["finalValue"]["amount"] == 84000.0


def test_uk12_cancels_the_tender(notice_for: Callable[[str], dict[str, Any]]) -> None:
    release = render_notice(notice_for("UK12"), ocid=OCID, base_url=BASE)
    assert release["tender"]["status"] == "cancelled"
    assert "No compliant tenders" in release["tender"]["documents"][0]["description"]


def test_an_unknown_notice_type_is_refused(notice_for: Callable[[str], dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="UK99"):
        render_notice({**notice_for("UK4"), "notice_type": "UK99"}, ocid=OCID, base_url=BASE)


def test_the_validator_is_not_vacuous(
    notice_for: Callable[[str], dict[str, Any]], validate_uk: Callable[..., Any]
) -> None:
    """A numeric noticeType and a string vcse break the UK extension: errors, not silence."""
    release = render_notice(notice_for("UK4"), ocid=OCID, base_url=BASE)
    release["tender"]["documents"][0]["noticeType"] = 4
    release["tender"]["suitability"]["vcse"] = "yes"
    result, invalid = validate_uk(_package([release]))
    paths = {str(e.get("path")) for e in result["validation_errors"]}
    assert invalid == {}
    assert any("noticeType" in p for p in paths), paths
    assert all(p.startswith("releases/0/") for p in paths), paths
    assert any("vcse" in p for p in paths), paths

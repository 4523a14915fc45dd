"""Blackpool's notices UK2 to UK12 and an offline UK-profile OCDS validator (libcoveocds)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from streetlevel.commissioning.domain.procurement.notices import NOTICES
from streetlevel.testing.ocds_uk import extension_server, validate_uk_profile


def _standards() -> Path:
    here = Path(__file__).resolve()
    root = next(p for p in here.parents if (p / "uv.lock").exists())
    return root.parent / "shared" / "standards" / "ocds"


STANDARDS = _standards()

#: Fictional identifiers in the real formats (a GB-PPON as Find a Tender issues them).
BLACKPOOL = {
    "name": "Blackpool Council",
    "identifier": {"scheme": "GB-PPON", "id": "PBLK-3462-WQRD"},
}
WINNER = {
    "name": "Anchorsholme Good Neighbours CIC",
    "identifier": {"scheme": "GB-COH", "id": "13579246"},
    "sme": True,
    "vcse": True,
    "lots": ["lot-1"],
    "contract_id": "ctr-anchorsholme",
    "value": {"amount": "96000.00", "currency": "GBP"},
}
RUNNER = {
    "name": "Bispham Community Trust",
    "identifier": {"scheme": "GB-PPON", "id": "PQRT-1190-KMNB"},
    "lots": ["lot-2"],
    "contract_id": "ctr-bispham",
    "value": {"amount": "64000.00", "currency": "GBP"},
}
LOTS = [
    {
        "id": "lot-1",
        "title": "Anchorsholme befriending",
        "value": {"amount": "96000.00", "currency": "GBP"},
        "areas": ["E05015186"],
    },
    {
        "id": "lot-2",
        "title": "Bispham befriending",
        "value": {"amount": "64000.00", "currency": "GBP"},
        "areas": ["E05015187"],
    },
]
COMMON = {
    "contracting_authority": BLACKPOOL,
    "procurement_id": "cmn-befriending-2027",
    "title": "Befriending for older people in Anchorsholme and Bispham",
    "description": "Reducing loneliness among older residents of two northern Blackpool wards",
    "cpv_codes": ["85320000-8", "85312400-3"],
    "above_threshold": True,
}
VALUE = {"amount": "160000.00", "currency": "GBP"}
PERIOD = {"start": "2027-04-01", "end": "2029-03-31"}

FIELDS: dict[str, dict[str, Any]] = {
    "UK2": {
        "engagement_description": "Market warming event at Blackpool Town Hall for VCSE providers",
        "engagement_deadline": "2026-09-30T17:00:00Z",
    },
    "UK3": {"estimated_value": VALUE, "estimated_tender_notice_date": "2026-11-23"},
    "UK4": {
        "estimated_value": VALUE,
        "lots": LOTS,
        "procedure": "open",
        "award_criteria": [
            {"name": "price", "weight": 40},
            {"name": "quality", "weight": 45},
            {"name": "social_value", "weight": 15},
        ],
        "tender_deadline": "2027-01-08T12:00:00Z",
        "enquiry_deadline": "2026-12-29T12:00:00Z",
        "sme_suitable": True,
        "vcse_suitable": True,
        "reservations": [],
        "conditions_of_participation": ["Registered with the Charity Commission or as a CIC"],
        "contract_period": PERIOD,
    },
    "UK5": {
        "supplier": WINNER,
        "direct_award_ground": "Schedule 5, paragraph 13 (extreme and unavoidable urgency)",
        "justification": "The incumbent provider ceased trading; vulnerable residents need cover",
        "estimated_value": {"amount": "48000.00", "currency": "GBP"},
        "contract_period": {"start": "2027-02-01", "end": "2027-07-31"},
    },
    "UK6": {
        "lots": LOTS,
        "suppliers": [WINNER, RUNNER],
        "contract_value": VALUE,
        "contract_period": PERIOD,
        "award_decision_date": "2027-02-10",
        "standstill_end": "2027-02-22T23:59:59Z",
        "assessment_summaries_sent": "2027-02-10T09:00:00Z",
    },
    "UK7": {
        "supplier": WINNER,
        "lot_id": "lot-1",
        "contract_value": {"amount": "96000.00", "currency": "GBP"},
        "contract_period": PERIOD,
        "date_entered_into": "2027-02-24",
        "kpis_or_reason": ["Residents reporting reduced loneliness", "Visits made per month"],
        "conflicts_assessment_confirmed": True,
    },
    "UK10": {
        "contract_id": "ctr-anchorsholme",
        "change_description": "Add Norbreck to the service area for the second year",
        "value_change": {
            "before": {"amount": "96000.00", "currency": "GBP"},
            "after": {"amount": "112000.00", "currency": "GBP"},
        },
        "reason": "Demand from the neighbouring ward, unforeseeable at award (Schedule 8, para 5)",
    },
    "UK11": {
        "contract_id": "ctr-anchorsholme",
        "termination_date": "2028-09-30",
        "reason": "Terminated by agreement: the provider merged into a regional charity",
        "final_value": {"amount": "84000.00", "currency": "GBP"},
    },
    "UK12": {"reason": "No compliant tenders were received for either lot", "lots": LOTS},
}


def blackpool_notice(code: str) -> dict[str, Any]:
    """NoticePublished data for ``code`` as the procurement cycle emits it."""
    fields = {**COMMON, **FIELDS[code]}
    required = NOTICES[code].required(True)  # type: ignore[index]
    missing = [f for f in required if f not in fields]
    assert not missing, f"sample {code} lacks {missing}"
    return {
        "notice_id": f"ntc-{code.lower()}",
        "notice_type": code,
        "commission_id": "cmn-befriending-2027",
        "contract_id": fields.get("contract_id") or ("ctr-anchorsholme" if code == "UK7" else None),
        "published_at": "2027-02-10T10:00:00Z",
        "fields": fields,
    }


@pytest.fixture(scope="session")
def notice_for() -> Callable[[str], dict[str, Any]]:
    return blackpool_notice


@pytest.fixture(scope="session")
def extension_base() -> Iterator[str]:
    """The vendored extensions over HTTP on 127.0.0.1, for the whole session."""
    with extension_server(STANDARDS) as base:
        yield base


@pytest.fixture(scope="session")
def validate_uk(
    extension_base: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Any]:
    """libcoveocds (CLI) on a package, plus the check that every declared extension was found."""

    def run(package: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        workdir = tmp_path_factory.mktemp("ocds")
        return validate_uk_profile(
            package, standards=STANDARDS, base=extension_base, workdir=workdir
        )

    return run


CRITERIA = ("price", "quality", "social_value")


async def award_by_panel(
    h: Any,
    cid: str,
    scores: dict[str, int],
    *,
    lot: str = "lot-1",
    conflicted: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """After the deadline: a three-member panel declares, scores, moderates and awards ``lot``.

    ``scores`` maps each bidder to the score every criterion gets; ``conflicted`` is a
    (member, bidder) pair whose declared conflict keeps that member off that bid (ss.81-83).
    """
    panel = f"/v1/commissions/{cid}/lots/{lot}/panel"
    members = [
        {"id": "m1", "name": "Pat Chair", "role": "chair"},
        {"id": "m2", "name": "Sam Evaluator", "role": "evaluator"},
        {"id": "m3", "name": "Alex Evaluator", "role": "evaluator"},
    ]
    r = await h.client.put(panel, json={"members": members}, headers=h.council())
    assert r.status_code == 200, r.text
    for m in ("m1", "m2", "m3"):
        for who in scores:
            clash = (m, who) == conflicted
            d = await h.client.post(
                f"{panel}/declarations",
                json={
                    "member_id": m,
                    "bidder_id": who,
                    "conflicted": clash,
                    "details": "Trustee of the bidder" if clash else "",
                },
                headers=h.council(),
            )
            assert d.status_code == 200, d.text
        released = await h.client.post(f"{panel}/members/{m}/release", headers=h.council())
        assert released.status_code == 200, released.text
    for m in ("m1", "m2", "m3"):
        for who, value in scores.items():
            if (m, who) == conflicted:
                continue
            for criterion in CRITERIA:
                s = await h.client.put(
                    f"{panel}/scores",
                    json={
                        "member_id": m,
                        "bidder_id": who,
                        "criterion": criterion,
                        "score": value,
                        "reason": f"{criterion} evidence",
                    },
                    headers=h.council(),
                )
                assert s.status_code == 200, s.text
    assert (await h.client.post(f"{panel}/moderation", headers=h.council())).is_success
    for who, value in scores.items():
        for criterion in CRITERIA:
            mod = await h.client.put(
                f"{panel}/moderated",
                json={
                    "moderator_id": "m1",
                    "bidder_id": who,
                    "criterion": criterion,
                    "score": value,
                    "rationale": f"agreed on {criterion}",
                },
                headers=h.council(),
            )
            assert mod.status_code == 200, mod.text
    made = await h.client.post(f"/v1/commissions/{cid}/lots/{lot}/award", headers=h.council())
    assert made.status_code == 201, made.text
    return dict(made.json())


@pytest.fixture(scope="session")
def panel_award() -> Callable[..., Any]:
    return award_by_panel

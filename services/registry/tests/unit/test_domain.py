"""Domain rules: identifiers, size bands, the status machine, events, JSON patches, the check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from streetlevel.registry.domain import events
from streetlevel.registry.domain.check import check
from streetlevel.registry.domain.errors import IllegalTransition
from streetlevel.registry.domain.identifiers import Identifier
from streetlevel.registry.domain.model import Enterprise, EnterpriseDetails, Status, size_for
from streetlevel.registry.domain.patch import apply, diff, merge_patch

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def details(**overrides: object) -> EnterpriseDetails:
    values: dict[str, object] = {
        "identifier": {"scheme": "GB-COH", "id": "12345678"},
        "name": "Example CIC",
        "legal_form": "cic_limited_by_guarantee",
        "mission": "Good work.",
        "address": {"lines": ["1 High St"], "town": "Blackpool", "postcode": "FY1 1AA"},
        "contact": {"email": "a@example.org"},
        "annual_turnover": {"amount": "1000.50", "currency": "GBP"},
    }
    values.update(overrides)
    return EnterpriseDetails.model_validate(values)


def registered(**overrides: object) -> Enterprise:
    return Enterprise.register(
        enterprise_id=uuid.uuid4(),
        details=details(**overrides),
        now=NOW,
        registered_by_client="c1",
        registered_by_org=None,
        owner_client_id="c1",
    )


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("GB-COH", "12345678"),
        ("GB-COH", "SC123456"),
        ("GB-COH", "ni123456"),
        ("GB-COH", "OC301234"),
        ("GB-CHC", "1234567"),
        ("GB-CHC", "202918"),
        ("GB-CHC", "1234567-1"),
        ("GB-SC", "SC012345"),
        ("GB-NIC", "100123"),
        ("GB-MPR", "12345R"),
        ("GB-MPR", "7654"),
        ("GB-PPON", "PBHM-7586-PWLP"),
        ("GB-PPON", "pxwx-8925-gtvt"),
    ],
)
def test_identifiers_in_their_schemes_format_are_accepted(scheme: str, value: str) -> None:
    assert Identifier(scheme=scheme, id=value).id == value.upper()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("GB-COH", "1234567"),
        ("GB-COH", "XX123456"),
        ("GB-COH", "123456789"),
        ("GB-CHC", "12345"),
        ("GB-CHC", "1234567-abc"),
        ("GB-SC", "123456"),
        ("GB-NIC", "1234567"),
        ("GB-MPR", "12A45"),
        ("GB-PPON", "PBHM7586PWLP"),
        ("GB-PPON", "XBHM-7586-PWLP"),
        ("GB-PPON", "PBHM-758-PWLPX"),
        ("GB-XYZ", "1"),
    ],
)
def test_identifiers_that_break_their_schemes_format_are_refused(scheme: str, value: str) -> None:
    with pytest.raises(ValidationError):
        Identifier(scheme=scheme, id=value)  # type: ignore[arg-type]


def test_only_unincorporated_forms_may_omit_the_identifier() -> None:
    assert details(identifier=None, legal_form="sole_trader").identifier is None
    with pytest.raises(ValidationError, match="needs an identifier"):
        details(identifier=None)


def test_any_form_may_be_identified_by_its_ppon() -> None:
    ppon = {"scheme": "GB-PPON", "id": "PBHM-7586-PWLP"}
    assert str(details(identifier=ppon).identifier) == "GB-PPON-PBHM-7586-PWLP"
    assert details(identifier=ppon, legal_form="community_benefit_society").identifier


def test_a_community_benefit_society_cannot_use_a_companies_house_number() -> None:
    with pytest.raises(ValidationError, match="GB-MPR"):
        details(legal_form="community_benefit_society")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trading_income_pct", 100.5),
        ("profit_reinvested_pct", -1),
        ("website", "not a url"),
        ("contact", {"email": "nobody"}),
        ("themes", ["astrology"]),
        ("areas_served", ["X123"]),
        ("address", {"lines": ["1 High St"], "town": "B", "postcode": "nope"}),
        ("annual_turnover", {"amount": "1.005", "currency": "GBP"}),
    ],
)
def test_invalid_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        details(**{field: value})


@pytest.mark.parametrize(
    ("employees", "size"),
    [
        (None, None),
        (0, "micro"),
        (9, "micro"),
        (10, "small"),
        (49, "small"),
        (50, "medium"),
        (249, "medium"),
        (250, "large"),
    ],
)
def test_size_is_derived_from_employees(employees: int | None, size: str | None) -> None:
    assert size_for(employees) == size


def test_registration_records_one_public_event_at_version_one() -> None:
    ent = registered()
    [pending] = ent.take_events()
    assert isinstance(pending.payload, events.EnterpriseRegistered)
    assert pending.sequence == 1
    assert pending.payload.enterprise.version == 1
    data = pending.payload.model_dump(mode="json")
    assert "contact" not in data["enterprise"]
    assert "annual_turnover" not in data["enterprise"]
    assert data["enterprise"]["address"]["postcode"] == "FY1 1AA"


def test_a_sole_traders_address_never_reaches_an_event() -> None:
    ent = registered(identifier=None, legal_form="sole_trader")
    [pending] = ent.take_events()
    assert pending.payload.model_dump(mode="json")["enterprise"]["address"] is None


def test_the_status_machine_allows_only_its_transitions() -> None:
    ent = registered()
    with pytest.raises(IllegalTransition):
        ent.suspend(reason="x", now=NOW)
    ent.verify(note="ok", now=NOW)
    with pytest.raises(IllegalTransition):
        ent.verify(note="again", now=NOW)
    ent.suspend(reason="complaint", now=NOW)
    ent.reinstate(reason="resolved", now=NOW)
    assert ent.status is Status.VERIFIED
    ent.dissolve(reason="wound up", now=NOW)
    for act in (ent.reinstate, ent.suspend, ent.dissolve):
        with pytest.raises(IllegalTransition):
            act(reason="x", now=NOW)
    types = [p.payload.event_type for p in ent.take_events()]
    assert types == [
        "registry.enterprise.registered.v1",
        "registry.enterprise.verified.v1",
        "registry.enterprise.suspended.v1",
        "registry.enterprise.reinstated.v1",
        "registry.enterprise.dissolved.v1",
    ]
    assert ent.version == 5


def test_a_rejected_enterprise_can_only_be_dissolved() -> None:
    ent = registered()
    ent.reject(note="not a social enterprise", now=NOW)
    with pytest.raises(IllegalTransition) as raised:
        ent.verify(note=None, now=NOW)
    assert raised.value.status == 409
    assert raised.value.extensions["current_status"] == "rejected"
    ent.dissolve(reason="gone", now=NOW)
    assert ent.status is Status.DISSOLVED


def test_an_update_records_the_changed_fields_and_nothing_when_unchanged() -> None:
    ent = registered()
    ent.take_events()
    assert ent.update(details(), now=NOW) == []
    assert ent.take_events() == []
    changed = ent.update(details(name="Renamed CIC", employees=3), now=NOW)
    assert changed == ["name", "employees"]
    [pending] = ent.take_events()
    assert isinstance(pending.payload, events.EnterpriseUpdated)
    assert pending.payload.changed_fields == ["name", "employees"]
    assert pending.payload.enterprise.size == "micro"


def test_diff_produces_a_json_patch_that_turns_before_into_after() -> None:
    before = {"a": 1, "b": {"c": 2, "d": 3}, "gone": True, "l": [1, 2], "x/y": 0}
    after = {"a": 1, "b": {"c": 5, "e": 6}, "new": None, "l": [1], "x/y": 1}
    ops = diff(before, after)
    assert {"op": "remove", "path": "/gone"} in ops
    assert {"op": "replace", "path": "/b/c", "value": 5} in ops
    assert {"op": "remove", "path": "/b/d"} in ops
    assert {"op": "add", "path": "/b/e", "value": 6} in ops
    assert {"op": "replace", "path": "/x~1y", "value": 1} in ops
    assert apply(before, ops) == after
    assert diff(after, after) == []


def test_merge_patch_follows_rfc_7396() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}, "l": [1]}
    patch = {"a": "z", "c": {"f": None}, "l": [2, 3], "n": {"x": 1}}
    assert merge_patch(target, patch) == {"a": "z", "c": {"d": "e"}, "l": [2, 3], "n": {"x": 1}}
    assert merge_patch(target, ["whole"]) == ["whole"]


def test_a_cic_meets_the_asset_lock_statutorily() -> None:
    result = check(details(asset_lock=False))
    lock = next(c for c in result.criteria if c.code == "asset_lock")
    assert lock.result == "met"
    assert "statutory" in lock.reason


def test_the_check_reports_each_criterion_and_an_overall_verdict() -> None:
    full = check(
        details(
            independent=True,
            trading_income_pct=50,
            profit_reinvested_pct=75,
            publishes_social_report=True,
        )
    )
    assert full.result == "met"
    assert len(full.criteria) == 6
    assert all(c.reason for c in full.criteria)
    partial = check(details(independent=True, trading_income_pct=60))
    assert partial.result == "unknown"
    low = check(
        details(
            legal_form="company_limited_by_shares",
            independent=True,
            trading_income_pct=49.9,
            profit_reinvested_pct=75,
            asset_lock=True,
            publishes_social_report=True,
        )
    )
    assert low.result == "not_met"
    trading = next(c for c in low.criteria if c.code == "trading_income")
    assert trading.result == "not_met"
    assert "49.9" in trading.reason

"""The checks councils rely on before a commission may be saved or published."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from streetlevel.commissioning.domain.values import CommissionSpec
from streetlevel.common.areas import AreaIndex, area_type
from streetlevel.common.errors import ValidationProblem

MIN_SOCIAL_VALUE_WEIGHT = Decimal(10)


@dataclass(frozen=True)
class SpecContext:
    """What validation needs from outside the commission: the buyer's area and read models."""

    buyer_area: str
    areas: AreaIndex
    indicator_codes: Collection[str]
    #: The council's social value policy for this commission (docs/procurement.md).
    min_social_value_weight: Decimal = MIN_SOCIAL_VALUE_WEIGHT


def _err(loc: list[Any], msg: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": "value_error"}


def spec_errors(spec: CommissionSpec, ctx: SpecContext) -> list[dict[str, Any]]:
    """Every broken rule of ``spec`` (empty when it is valid)."""
    errors: list[dict[str, Any]] = []
    names = [c.name for c in spec.award_criteria]
    if len(set(names)) != len(names):
        errors.append(_err(["award_criteria"], "each criterion may appear once"))
    if sum(c.weight for c in spec.award_criteria) != 100:
        errors.append(_err(["award_criteria"], "weights must sum to 100"))
    if spec.weight("social_value") < ctx.min_social_value_weight:
        # The council's policy (PPN 002 binds central government only): docs/procurement.md.
        least = ctx.min_social_value_weight
        errors.append(_err(["award_criteria"], f"social_value must weigh at least {least}"))
    t = spec.timeline
    if not t.enquiry_end <= t.tender_end <= t.award_by <= t.contract_start < t.contract_end:
        errors.append(
            _err(
                ["timeline"],
                "must satisfy enquiry_end ≤ tender_end ≤ award_by ≤ contract_start < contract_end",
            )
        )
    if sum(lot.value.amount for lot in spec.lots) != spec.value.amount:
        errors.append(_err(["lots"], "lot values must sum to the commission value"))
    lot_ids = [lot.id for lot in spec.lots]
    if len(set(lot_ids)) != len(lot_ids):
        errors.append(_err(["lots"], "lot ids must be unique"))
    for i, lot in enumerate(spec.lots):
        for j, code in enumerate(lot.areas):
            if area_type(code) is None or (code not in ctx.areas and code != ctx.buyer_area):
                errors.append(_err(["lots", i, "areas", j], f"{code} is not a known GSS code"))
            elif not ctx.areas.contains(ctx.buyer_area, code):
                errors.append(_err(["lots", i, "areas", j], f"{code} is outside the buyer's area"))
        for j, outcome in enumerate(lot.outcomes):
            if outcome.indicator_code not in ctx.indicator_codes:
                errors.append(
                    _err(
                        ["lots", i, "outcomes", j, "indicator_code"],
                        f"unknown indicator {outcome.indicator_code}",
                    )
                )
    pay = spec.payment
    for k, item in enumerate(pay.rate_card):
        if item.indicator_code not in ctx.indicator_codes:
            errors.append(
                _err(
                    ["payment", "rate_card", k, "indicator_code"],
                    f"unknown indicator {item.indicator_code}",
                )
            )
    if pay.model in ("outcomes", "blended") and not pay.rate_card:
        errors.append(_err(["payment", "rate_card"], "an outcomes payment needs a rate card"))
    if pay.model == "blended" and pay.outcomes_share_pct is None:
        errors.append(_err(["payment", "outcomes_share_pct"], "a blended payment needs a share"))
    if pay.instalments and pay.model == "outcomes":
        errors.append(_err(["payment", "instalments"], "an outcomes payment has no schedule"))
    if pay.instalments and sum(i.share_pct for i in pay.instalments) != 100:
        errors.append(_err(["payment", "instalments"], "the instalments' shares must sum to 100"))
    length = (spec.timeline.contract_end - spec.timeline.contract_start).days
    for k, inst in enumerate(pay.instalments):
        if inst.offset_days > length:
            errors.append(
                _err(["payment", "instalments", k, "offset_days"], "after the contract's end")
            )
    return errors


def check_spec(spec: CommissionSpec, ctx: SpecContext) -> None:
    """Raise a 422 listing every broken rule."""
    errors = spec_errors(spec, ctx)
    if errors:
        raise ValidationProblem("The commission breaks one or more rules.", errors)


def check_publishable(
    spec: CommissionSpec, *, now: datetime, min_enquiry_days: int, min_tender_days: int
) -> None:
    """Deadlines must lie ahead and respect the deployment's minimum periods."""
    errors: list[dict[str, Any]] = []
    t = spec.timeline
    if t.enquiry_end <= now:
        errors.append(_err(["timeline", "enquiry_end"], "must be in the future"))
    if t.enquiry_end - now < timedelta(days=min_enquiry_days):
        errors.append(
            _err(["timeline", "enquiry_end"], f"enquiries must stay open {min_enquiry_days} days")
        )
    if t.tender_end - now < timedelta(days=min_tender_days):
        errors.append(
            _err(["timeline", "tender_end"], f"tenders must stay open {min_tender_days} days")
        )
    if errors:
        raise ValidationProblem("The commission cannot be published yet.", errors)

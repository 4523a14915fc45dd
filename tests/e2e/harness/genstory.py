"""The Blackpool story told through the generated Python client, in either run mode.

Every call goes through ``Driver`` (tests/e2e/harness/genclient.py): the generated operation,
its status, and its 2xx parsed into the generated model the document declares. The story goes
on past a document failure (from the raw body) and ``tell`` fails at the end naming them all.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from .api import claims, eventually
from .blackpool import BLACKPOOL, Secrets, commission_body, enterprise_bodies, money
from .genclient import Driver
from .story import DELIVERY, LOT_A, LOT_B, LOT_C, LSOA_A1, LSOA_A2, WARD_A

SUPPLIERS = ("cic", "coop", "charity", "sole")


@dataclass
class Who:
    """A client of the platform, its token and the enterprise it acts for."""

    client_id: str
    secret: str
    token: str = ""
    enterprise_id: str | None = None


@dataclass
class Story:
    """What the story made, for the mode's own checks afterwards."""

    driver: Driver
    registrar: Who
    council: Who = field(default_factory=lambda: Who("", ""))
    enterprises: dict[str, Who] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: Secrets = field(default_factory=Secrets)
    ids: dict[str, str] = field(default_factory=dict)

    async def login(self, who: Who) -> str:
        got = await self.driver.call(
            "POST",
            "/oauth/token",
            expect=200,
            body={
                "grant_type": "client_credentials",
                "client_id": who.client_id,
                "client_secret": who.secret,
            },
        )
        who.token = got["access_token"]
        return who.token

    async def new_client(self, kind: str, name: str, **extra: str) -> Who:
        made = await self.driver.call(
            "POST",
            "/v1/admin/clients",
            self.registrar.token,
            expect=201,
            body={"kind": kind, "name": name, **extra},
        )
        who = Who(made["client_id"], made["client_secret"])
        await self.login(who)
        return who


async def tell(
    driver: Driver,
    registrar: Who,
    *,
    now: Callable[[], datetime],
    window: tuple[float, float],
    pass_deadline: Callable[[], Awaitable[None]],
    time_passes: Callable[[datetime], Awaitable[None]],
) -> Story:
    """Register, verify, commission, question, bid, close, award, deliver, report, publish."""
    story = Story(driver, registrar)
    started = time.monotonic()

    async def act(name: str, step: Awaitable[Any]) -> Any:
        done = await step
        print(f"{time.monotonic() - started:6.1f}s {name}")
        return done

    await act("login", story.login(registrar))
    await act("registered and verified", _register_and_verify(story))
    cid = await act("commissioned and bid", _commission_and_bid(story, now, window))
    await act("deadline passed", pass_deadline())
    await act("closed and awarded", _close_and_award(story, cid, time_passes))
    await act("delivered and reported", _deliver(story))
    await act("open data read", _read_open_data(story))
    failing = driver.failing()
    print("carried:", *sorted(set(driver.passed) - failing), sep="\n  ")
    print("not carried:", *sorted(failing), sep="\n  ")
    assert not failing, (
        f"{len(failing)} operation(s) the generated client does not carry "
        f"({len(set(driver.passed) - failing)} did):\n{driver.report()}"
    )
    return story


async def _register_and_verify(story: Story) -> None:
    d, registrar = story.driver, story.registrar
    known = await d.call("GET", "/v1/admin/councils", registrar.token, expect=200)
    councils = known.raw if isinstance(known.raw, list) else known.raw.get("items", [])
    if "GB-LAE-BPL" not in {c["org_id"] for c in councils}:
        body = {"org_id": "GB-LAE-BPL", "name": "Blackpool Council", "area": BLACKPOOL}
        await d.call("POST", "/v1/admin/councils", registrar.token, expect=201, body=body)
    story.council = await story.new_client("council", "Blackpool generated app", org="GB-LAE-BPL")
    for key, body in enterprise_bodies(story.secrets).items():
        who = await story.new_client("enterprise", body["name"])
        made = await d.call("POST", "/v1/enterprises", who.token, expect=201, body=body)
        assert made["status"] == "pending"
        assert made.headers["location"].endswith(made["id"])
        who.enterprise_id = made["id"]

        async def bound(who: Who = who) -> bool:
            return claims(await story.login(who)).get("enterprise_id") == who.enterprise_id

        await eventually(bound, within=10, what=f"{key} bound to its enterprise")
        story.enterprises[key], story.records[key] = who, made.raw
    for key in SUPPLIERS:
        eid = story.enterprises[key].enterprise_id
        verified = await d.call(
            "POST",
            "/v1/enterprises/{enterprise_id}/verification",
            registrar.token,
            expect=200,
            enterprise_id=eid,
            body={"decision": "verified", "note": "checked against the register"},
        )
        assert verified["status"] == "verified"
    cic = story.records["cic"]["id"]
    public = await d.call("GET", "/v1/enterprises/{enterprise_id}", expect=200, enterprise_id=cic)
    assert not public.raw.get("contact"), "private fields stay private"
    own = story.enterprises["cic"].token
    await d.call("GET", "/v1/enterprises/{enterprise_id}", own, expect=200, enterprise_id=cic)
    await d.call(
        "GET",
        "/v1/enterprises/{enterprise_id}/social-enterprise-check",
        expect=200,
        enterprise_id=cic,
    )
    await d.call(
        "GET",
        "/v1/enterprises/{enterprise_id}/history",
        registrar.token,
        expect=200,
        enterprise_id=cic,
    )
    first = await d.call("GET", "/v1/enterprises", expect=200, limit=2, area=BLACKPOOL)
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    await d.call(
        "GET", "/v1/enterprises", expect=200, limit=2, area=BLACKPOOL, cursor=first["next_cursor"]
    )


async def _commission_and_bid(
    story: Story, now: Callable[[], datetime], window: tuple[float, float]
) -> str:
    d, council, ent = story.driver, story.council.token, story.enterprises
    body = commission_body(now(), enquiry_s=window[0], tender_s=window[1])
    draft = await d.call("POST", "/v1/commissions", council, expect=201, body=body)
    assert draft["status"] == "draft"
    cid = draft["id"]
    published = await d.call(
        "POST", "/v1/commissions/{commission_id}/publish", council, expect=200, commission_id=cid
    )
    assert published["status"] == "open"
    story.ids.update(commission_id=cid, ocid=published["ocid"])
    for key in SUPPLIERS:

        async def eligible(key: str = key) -> bool:
            listed = await d.call(
                "GET",
                "/v1/commissions",
                ent[key].token,
                expect=200,
                eligible_for=ent[key].enterprise_id,
                status="open",
            )
            return any(c["id"] == cid for c in listed["items"])

        await eventually(eligible, within=60, what=f"{key} eligible for {cid}")
    asked = await d.call(
        "POST",
        "/v1/commissions/{commission_id}/questions",
        ent["coop"].token,
        expect=201,
        commission_id=cid,
        body={"text": "Can a co-operative bid for more than one ward?"},
    )
    await d.call(
        "POST",
        "/v1/commissions/{commission_id}/questions/{question_id}/answer",
        council,
        expect=200,
        commission_id=cid,
        question_id=asked["id"],
        body={"answer": "Yes, one bid per ward."},
    )
    questions = await d.call(
        "GET", "/v1/commissions/{commission_id}/questions", expect=200, commission_id=cid
    )
    assert [q["answer"] for q in questions["items"]] == ["Yes, one bid per ward."]
    refused = await d.call(
        "POST",
        "/v1/commissions/{commission_id}/bids",
        ent["ineligible"].token,
        expect=422,
        commission_id=cid,
        body={"lot_id": LOT_A, "price": money("30000.00"), "proposal": "We do everything"},
    )
    assert refused["type"].endswith("/ineligible"), refused.raw
    for who, lot, price in (
        ("cic", LOT_A, "35000.00"),
        ("coop", LOT_A, "38000.00"),
        ("charity", LOT_B, "37500.00"),
        ("sole", LOT_C, "22000.00"),
    ):
        proposal = f"SEALED generated-client proposal {who} {lot}"
        story.secrets.proposals.append(proposal)
        made = await d.call(
            "POST",
            "/v1/commissions/{commission_id}/bids",
            ent[who].token,
            expect=201,
            commission_id=cid,
            body={
                "lot_id": lot,
                "price": money(price),
                "proposal": proposal,
                "social_value_commitments": [{"indicator_code": "jobs.local_hires", "quantity": 5}],
            },
        )
        story.ids[f"bid:{who}:{lot}"] = made["id"]
    return cid


async def _close_and_award(
    story: Story, cid: str, time_passes: Callable[[datetime], Awaitable[None]]
) -> None:
    d, council = story.driver, story.council.token

    async def closed() -> bool:
        got = await d.call("GET", "/v1/commissions/{commission_id}", expect=200, commission_id=cid)
        return bool(got["status"] == "evaluation")

    await eventually(closed, within=60, what="the scheduler to close the tender")
    bids = await d.call(
        "GET", "/v1/commissions/{commission_id}/bids", council, expect=200, commission_id=cid
    )
    assert len(bids["items"]) == 4
    scores = {"cic": (80, 70), "coop": (75, 90), "charity": (70, 60), "sole": (65, 50)}
    for key, bid_id in story.ids.items():
        if key.startswith("bid:"):
            quality, social = scores[key.split(":")[1]]
            await d.call(
                "PUT",
                "/v1/commissions/{commission_id}/bids/{bid_id}/score",
                council,
                expect=200,
                commission_id=cid,
                bid_id=bid_id,
                body={"quality": quality, "social_value": social, "note": "panel score"},
            )
    ranking = await d.call(
        "GET",
        "/v1/commissions/{commission_id}/lots/{lot_id}/ranking",
        council,
        expect=200,
        commission_id=cid,
        lot_id=LOT_A,
    )
    assert [r["bid_id"] for r in ranking["items"]] == [
        story.ids[f"bid:cic:{LOT_A}"],
        story.ids[f"bid:coop:{LOT_A}"],
    ]
    assert ranking["items"][0]["total"] == "86"
    for lot in (LOT_A, LOT_B, LOT_C):
        award = await d.call(
            "POST",
            "/v1/commissions/{commission_id}/lots/{lot_id}/award",
            council,
            expect=201,
            commission_id=cid,
            lot_id=lot,
            body={},
        )
        story.ids.setdefault("contract_id", award["id"])
    contract = story.ids["contract_id"]
    got = await d.call("GET", "/v1/contracts/{contract_id}", expect=200, contract_id=contract)
    assert got["supplier"]["enterprise_id"] == story.enterprises["cic"].enterprise_id
    assert got["value"] == money("35000.00")
    early = await d.call(
        "POST", "/v1/contracts/{contract_id}/activate", council, expect=200, contract_id=contract
    )
    # Activated before its start, the contract waits, pending, for the scheduler to start it.
    assert early["status"] == "pending", "never active before its start"
    assert early["activates_at"] == early["period"]["start"]
    await time_passes(datetime.fromisoformat(early["period"]["start"]) + DELIVERY)

    async def active() -> dict[str, Any] | None:
        got = await d.call(
            "GET", "/v1/contracts/{contract_id}", council, expect=200, contract_id=contract
        )
        return got if got["status"] == "active" else None

    started = await eventually(active, within=60, what="the scheduler to start the contract")
    assert started["activates_at"] is None
    story.ids["contract_start"] = started["period"]["start"][:10]


async def _deliver(story: Story) -> None:
    d, council, contract = story.driver, story.council.token, story.ids["contract_id"]
    supplier = story.enterprises["cic"].token

    async def plan() -> dict[str, Any] | None:
        found = await d.call("GET", "/v1/plans", council, expect=200, contract_id=contract)
        return found["items"][0] if found["items"] else None

    the_plan = await eventually(plan, within=60, what="the outcomes plan")
    await d.call("GET", "/v1/plans/{plan_id}", council, expect=200, plan_id=the_plan["id"])
    start = date.fromisoformat(story.ids["contract_start"])
    period = {"start": start.isoformat(), "end": (start + timedelta(days=29)).isoformat()}
    for area, value in ((LSOA_A1, "12"), (LSOA_A2, "3")):
        body = {
            "plan_id": the_plan["id"],
            "indicator_code": "jobs.local_hires",
            "period": period,
            "area": area,
            "value": value,
            "evidence": "signed starter forms",
        }
        reported = await d.call("POST", "/v1/observations", supplier, expect=201, body=body)
        assert reported["status"] == "reported"
        verified = await d.call(
            "POST",
            "/v1/observations/{observation_id}/verification",
            council,
            expect=200,
            observation_id=reported["id"],
            body={"decision": "verified", "note": "evidence seen"},
        )
        assert verified["status"] == "verified"
        story.ids["observation_id"] = reported["id"]
    await d.call(
        "GET",
        "/v1/observations/{observation_id}",
        supplier,
        expect=200,
        observation_id=story.ids["observation_id"],
    )
    await d.call("GET", "/v1/observations", council, expect=200, contract_id=contract)

    async def paid() -> bool:
        got = await d.call(
            "GET", "/v1/contracts/{contract_id}/payments", council, expect=200, contract_id=contract
        )
        return len(got.raw.get("lines") or []) == 2

    await eventually(paid, within=60, what="two payment lines")
    base = "/v1/reports/contracts/{contract_id}"
    progress = await d.call("GET", f"{base}/progress", expect=200, contract_id=contract)
    assert progress["disclosure_control"] is True
    hires = next(o for o in progress["outcomes"] if o["indicator_code"] == "jobs.local_hires")
    assert hires["verified"] == {"value": "15", "suppressed": False}
    sroi = await d.call("GET", f"{base}/social-value", expect=200, contract_id=contract)
    assert sroi["total_present_value"]["currency"] == "GBP"
    ward = await d.call("GET", "/v1/reports/areas/{code}", expect=200, code=WARD_A)
    assert "best-fit" in ward["note"]


async def _read_open_data(story: Story) -> None:
    d, records, contract = story.driver, story.records, story.ids["contract_id"]
    page = await d.call("GET", "/v1/events", expect=200, limit=100)
    feed = list(page["items"])
    while page["items"] and page["next_cursor"]:
        page = await d.call("GET", "/v1/events", expect=200, limit=100, cursor=page["next_cursor"])
        feed += page["items"]
    ours = {e["subject"] for e in feed}
    assert f"contract/{contract}" in ours
    assert f"enterprise/{records['cic']['id']}" in ours
    for value in story.secrets.values():
        assert value not in json.dumps(feed)

    hsds = await d.call("GET", "/v1/enterprises/export", expect=200, format_="hsds")
    assert records["cic"]["id"] in {o["id"] for o in hsds["contents"]}
    rows = await d.stream("GET", "/v1/enterprises/export", None, "text/csv", format_="csv")
    assert records["cic"]["name"] in {r["name"] for r in csv.DictReader(io.StringIO(rows))}
    lines = await d.stream(
        "GET", "/v1/enterprises/export", None, "application/x-ndjson", format_="ndjson"
    )
    assert records["cic"]["id"] in lines
    for value in story.secrets.values():
        assert value not in rows + lines + json.dumps(hsds.raw)
    outcomes = await d.stream("GET", "/v1/reports/export", None, "text/csv", format_="csv")
    assert contract in outcomes
    await d.stream("GET", "/v1/reports/export", None, "application/x-ndjson", format_="ndjson")

    releases = await d.call("GET", "/v1/ocds/releases", expect=200, limit=5)
    first = releases["releases"][0]["id"]
    await d.call("GET", "/v1/ocds/releases/{release_id}", expect=200, release_id=first)
    ocid = story.ids["ocid"]
    record = await d.call("GET", "/v1/ocds/records/{ocid}", expect=200, ocid=ocid)
    tags = {t for r in record["records"][0]["releases"] for t in r["tag"]}
    assert {"tender", "award", "contract"} <= tags, tags

"""Published notices reach the open data and the council's submission queue; who may do what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streetlevel.commissioning.adapters.notice_submission_repository import (
    NoticeSubmissionRepository,
)
from streetlevel.commissioning.service.notices import apply_notice
from streetlevel.common.events import Envelope
from streetlevel.common.ids import new_id

TOPIC = "commissioning.commission.v1"
OTHER_COUNCIL = {"org": "GB-LAE-LAC", "area": "E07000121"}


async def open_commission(h: Any) -> dict[str, Any]:
    r = await h.client.post("/v1/commissions", json=h.body(h.clock.now()), headers=h.council())
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = await h.client.post(f"/v1/commissions/{cid}/publish", headers=h.council())
    assert r.status_code == 200, r.text
    return dict(r.json())


async def emit(h: Any, notice: dict[str, Any], sequence: int = 1) -> None:
    """A NoticePublished as the procurement cycle writes it to the outbox."""
    env = Envelope(
        id=str(new_id()),
        source="/streetlevel/commissioning",
        type="org.streetlevel.commissioning.notice.published.v1",
        subject=f"notice/{notice['notice_id']}",
        time=h.clock.now(),
        sequence=str(sequence),
        data=notice,
    )
    await h.deliver(TOPIC, notice["commission_id"], env)


async def test_a_published_notice_is_open_data_and_queued_for_the_council(
    harness: Any,
    notice_for: Callable[[str], dict[str, Any]],
    validate_uk: Callable[..., Any],
) -> None:
    h = harness
    commission = await open_commission(h)
    notice = {**notice_for("UK4"), "commission_id": commission["id"], "notice_id": str(new_id())}
    await emit(h, notice)
    await emit(h, notice, sequence=2)  # re-emitted: still one notice

    listed = (await h.client.get("/v1/notices", params={"commission_id": commission["id"]})).json()
    assert [n["id"] for n in listed["items"]] == [notice["notice_id"]]
    item = listed["items"][0]
    assert item["notice_type"] == "UK4"
    assert item["release"]["tender"]["documents"][0]["noticeType"] == "UK4"
    assert item["release"]["ocid"] == commission["ocid"]
    none = await h.client.get("/v1/notices", params={"notice_type": "UK6"})
    assert none.json()["items"] == []

    one = await h.client.get(f"/v1/notices/{notice['notice_id']}")
    assert one.status_code == 200
    assert one.json()["release"]["id"] == item["release_id"]
    assert (await h.client.get("/v1/notices/no-such")).status_code == 404

    package = (await h.client.get("/v1/ocds/releases", params={"ocid": commission["ocid"]})).json()
    assert item["release_id"] in [r["id"] for r in package["releases"]]
    report, invalid = validate_uk(package)
    assert report["validation_errors"] == []
    assert not report.get("additional_fields")
    assert invalid == {}


async def test_the_submission_queue_belongs_to_the_publishing_council(
    harness: Any, notice_for: Callable[[str], dict[str, Any]]
) -> None:
    h = harness
    commission = await open_commission(h)
    nid = str(new_id())
    await emit(h, {**notice_for("UK4"), "commission_id": commission["id"], "notice_id": nid})
    owner = h.council()
    other = h.tokens.bearer(h.tokens.council(**OTHER_COUNCIL))
    enterprise = h.bidder("ent-notices")
    anonymous: dict[str, str] = {}
    url = f"/v1/notice-submissions/{nid}"

    mine = await h.client.get("/v1/notice-submissions", headers=owner)
    assert [(s["id"], s["status"]) for s in mine.json()["items"]] == [(nid, "queued")]
    theirs = await h.client.get("/v1/notice-submissions", headers=other)
    assert theirs.status_code == 200
    assert theirs.json()["items"] == []
    for headers, want in ((enterprise, 403), (anonymous, 401)):
        r = await h.client.get("/v1/notice-submissions", headers=headers)
        assert r.status_code == want

    body = {"reference": "012345-2027"}
    for headers, want in ((other, 403), (enterprise, 403), (anonymous, 401)):
        assert (
            await h.client.post(f"{url}/submitted", json=body, headers=headers)
        ).status_code == want
        r = await h.client.post(f"{url}/outcome", json={"outcome": "accepted"}, headers=headers)
        assert r.status_code == want
    missing = await h.client.post("/v1/notice-submissions/nope/submitted", json=body, headers=owner)
    assert missing.status_code == 404

    early = await h.client.post(f"{url}/outcome", json={"outcome": "accepted"}, headers=owner)
    assert early.status_code == 409
    assert early.headers["content-type"].startswith("application/problem+json")
    r = await h.client.post(f"{url}/submitted", json=body, headers=owner)
    assert r.status_code == 200
    assert r.json()["status"] == "submitted"
    assert r.json()["reference"] == "012345-2027"
    bare = await h.client.post(f"{url}/outcome", json={"outcome": "rejected"}, headers=owner)
    assert bare.status_code == 422
    rejected = {"outcome": "rejected", "reason": "CPV code missing on lot 2"}
    r = await h.client.post(f"{url}/outcome", json=rejected, headers=owner)
    assert (r.json()["status"], r.json()["reason"]) == ("rejected", "CPV code missing on lot 2")
    again = {"reference": "012399-2027"}
    r = await h.client.post(f"{url}/submitted", json=again, headers=owner)
    assert (r.json()["status"], r.json()["reason"]) == ("submitted", None)
    r = await h.client.post(f"{url}/outcome", json={"outcome": "accepted"}, headers=owner)
    assert r.json()["status"] == "accepted"
    assert r.json()["decided_at"]
    twice = await h.client.post(f"{url}/outcome", json={"outcome": "accepted"}, headers=owner)
    assert twice.status_code == 409
    after = await h.client.post(f"{url}/submitted", json=body, headers=owner)
    assert after.status_code == 409


class RecordingPublisher:
    """A Find a Tender client stand-in: submits each notice it is handed."""

    def __init__(self) -> None:
        self.handed: list[str] = []

    async def publish(self, session: Any, notice: Any, submission: Any) -> None:
        self.handed.append(notice.notice_id)
        submission.submitted(reference=f"FTS-{notice.notice_type}", now=notice.published_at)
        await NoticeSubmissionRepository(session).save(submission)


async def test_the_publisher_is_pluggable(
    harness: Any, notice_for: Callable[[str], dict[str, Any]]
) -> None:
    h = harness
    commission = await open_commission(h)
    notice = {**notice_for("UK4"), "commission_id": commission["id"], "notice_id": str(new_id())}
    env = Envelope(
        id=str(new_id()),
        source="/streetlevel/commissioning",
        type="org.streetlevel.commissioning.notice.published.v1",
        subject=f"notice/{notice['notice_id']}",
        time=h.clock.now(),
        sequence="1",
        data=notice,
    )
    publisher = RecordingPublisher()
    async with h.services.uow() as uow:
        await apply_notice(h.services, uow.session, env, publisher)
        await uow.commit()
    assert publisher.handed == [notice["notice_id"]]
    queue = (await h.client.get("/v1/notice-submissions", headers=h.council())).json()["items"]
    mine = next(s for s in queue if s["id"] == notice["notice_id"])
    assert (mine["status"], mine["reference"]) == ("submitted", "FTS-UK4")
    assert (await h.client.get(f"/v1/notices/{notice['notice_id']}")).status_code == 200

"""The proxy: headers, streaming, timeouts, the circuit breaker and rate limits."""

from __future__ import annotations

from streetlevel.gateway.breaker import CircuitBreaker


async def test_the_proxy_strips_hop_by_hop_headers_and_sets_forwarded_ones(
    gateway_factory,
) -> None:
    async with gateway_factory() as gw:
        response = await gw.http.put(
            "/v1/echo/a/b?x=1",
            content=b"12345",
            headers={"Connection": "x-private", "X-Private": "1", "Keep-Alive": "5"},
        )
        assert response.status_code == 200
        assert response.json() == {"path": "a/b", "method": "PUT", "size": 5}
        seen = gw.echo.last_headers
        assert "x-private" not in seen
        assert "keep-alive" not in seen
        assert seen["x-forwarded-for"] == "203.0.113.7"
        assert seen["x-forwarded-proto"] == "http"
        assert seen["x-forwarded-host"] == "gw.test"
        assert seen["x-request-id"] == response.headers["x-request-id"]
        assert "x-secret" not in response.headers
        assert "keep-alive" not in response.headers
        assert response.headers["vary"] == "Authorization"


async def test_a_streamed_response_arrives_whole(gateway_factory) -> None:
    async with gateway_factory() as gw:
        response = await gw.http.get("/v1/slow/stream")
        assert response.text == "".join(f"chunk{i}\n" for i in range(5))


async def test_an_upstream_that_hangs_is_a_504_with_retry_after(gateway_factory) -> None:
    async with gateway_factory(upstream_read_timeout_s=0.2) as gw:
        response = await gw.http.get("/v1/slow/hang")
        assert response.status_code == 504
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/upstream-unavailable")
        assert response.headers["retry-after"] == "2"


async def test_consecutive_failures_open_the_breaker_then_a_trial_closes_it(
    gateway_factory,
) -> None:
    async with gateway_factory(upstream_read_timeout_s=0.05, breaker_failures=2) as gw:
        for _ in range(2):
            assert (await gw.http.get("/v1/slow/hang")).status_code == 504
        refused = await gw.http.get("/v1/echo/ok")
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) >= 1
        assert gw.echo.hits == 0


def test_a_half_open_breaker_lets_one_trial_through() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=2, open_s=10, monotonic=lambda: now[0])
    breaker.failure()
    assert breaker.retry_after() is None
    breaker.failure()
    assert breaker.state == "open"
    assert breaker.retry_after() == 10
    now[0] = 10.5
    assert breaker.retry_after() is None
    assert breaker.retry_after() is not None
    breaker.success()
    assert breaker.state == "closed"


async def test_rate_limits_answer_429_with_headers(gateway_factory) -> None:
    async with gateway_factory(rate_limit_anonymous="3/minute") as gw:
        responses = [await gw.http.get("/v1/echo/x") for _ in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        assert [r.headers["ratelimit-remaining"] for r in responses] == ["2", "1", "0", "0"]
        assert all(r.headers["ratelimit-limit"] == "3" for r in responses)
        assert int(responses[-1].headers["retry-after"]) >= 1
        assert responses[-1].json()["type"].endswith("/rate-limited")


async def test_a_client_has_its_own_quota_apart_from_anonymous_callers(gateway_factory) -> None:
    async with gateway_factory(rate_limit_anonymous="1/minute") as gw:
        headers = await gw.bearer("app", rate_limit="5/minute")
        assert (await gw.http.get("/v1/echo/x")).status_code == 200
        assert (await gw.http.get("/v1/echo/x")).status_code == 429
        authed = await gw.http.get("/v1/echo/x", headers=headers)
        assert authed.status_code == 200
        assert authed.headers["ratelimit-limit"] == "5"
        assert "private" in authed.headers["cache-control"]


async def test_the_token_endpoint_is_rate_limited(gateway_factory) -> None:
    async with gateway_factory(rate_limit_oauth="2/minute") as gw:
        statuses = [
            (
                await gw.http.post("/oauth/token", data={"grant_type": "client_credentials"})
            ).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 429]

"""The in-process rate-limit windows: counts, reset times, separate keys and quotas, pruning."""

from __future__ import annotations

from limits import parse

from streetlevel.gateway.ratelimit import SWEEP_S, MemoryWindows


class Wall:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_window_counts_down_then_refuses_until_it_resets() -> None:
    wall = Wall()
    windows = MemoryWindows(wall)
    item = parse("3/minute")
    results = [windows.hit(item, "client:a") for _ in range(4)]
    assert [r[0] for r in results] == [True, True, True, False]
    assert [r[1] for r in results] == [2, 1, 0, 0]
    assert all(r[2] == 1_060.0 for r in results)
    wall.now = 1_059.9
    assert windows.hit(item, "client:a")[0] is False
    wall.now = 1_060.0
    assert windows.hit(item, "client:a") == (True, 2, 1_120.0)


def test_keys_and_quotas_count_apart() -> None:
    windows = MemoryWindows(Wall())
    small, large = parse("1/minute"), parse("5/minute")
    assert windows.hit(small, "client:a")[0] is True
    assert windows.hit(small, "client:a")[0] is False
    assert windows.hit(small, "client:b")[0] is True
    # A changed quota starts its own window, as the limits library keys it.
    assert windows.hit(large, "client:a") == (True, 4, 1_060.0)


def test_expired_windows_are_dropped_by_the_sweep() -> None:
    wall = Wall()
    windows = MemoryWindows(wall)
    for n in range(100):
        windows.hit(parse("1/second"), f"ip:{n}")
    assert len(windows._windows) == 100
    wall.now += SWEEP_S
    windows.hit(parse("1/second"), "ip:new")
    assert list(windows._windows) == [("ip:new", 1, 1)]

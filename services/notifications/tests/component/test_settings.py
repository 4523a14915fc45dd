"""Settings fail fast: loopback receivers can never be enabled in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from streetlevel.notifications.settings import NotificationsSettings


def test_production_refuses_the_loopback_test_setting() -> None:
    with pytest.raises(ValidationError, match="test_loopback_targets"):
        NotificationsSettings(
            environment="production",
            public_base_url="https://api.example.org",
            test_loopback_targets=True,
        )


def test_loopback_targets_are_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFICATIONS_TEST_LOOPBACK_TARGETS", raising=False)
    assert NotificationsSettings().test_loopback_targets is False


def test_the_environment_sets_them_with_the_notifications_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFICATIONS_MAX_WEBHOOKS_PER_PRINCIPAL", "3")
    assert NotificationsSettings().max_webhooks_per_principal == 3

"""The gateway publishes the services' event contract: merged AsyncAPI, schemas as served."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import orjson
from fastapi import FastAPI

from streetlevel.common.contract import EventContract
from streetlevel.common.events import DomainEvent
from streetlevel.gateway.routing import ServiceSpec
from streetlevel.gateway.settings import GatewaySettings


class WidgetMade(DomainEvent):
    """A widget was made."""

    event_type: ClassVar[str] = "widgets.widget.made.v1"
    topic: ClassVar[str] = "widgets.widget.v1"
    name: str


def _widgets(tmp_path: Path) -> tuple[ServiceSpec, bytes]:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    body = orjson.dumps(WidgetMade.json_schema(), option=orjson.OPT_INDENT_2)
    (schemas / "widgets.widget.made.v1.json").write_bytes(body)
    app = FastAPI()
    app.state.event_contract = EventContract("widgets", [WidgetMade], schemas)
    return ServiceSpec(name="widgets", prefixes=("/v1/widgets",), app=app), body


async def test_the_gateway_serves_a_services_schema_byte_for_byte_and_its_asyncapi(
    gateway_factory: Any, tmp_path: Path
) -> None:
    spec, body = _widgets(tmp_path)
    async with gateway_factory(services=[spec], public_base_url="https://api.example.org") as gw:
        schema = await gw.http.get("/schemas/events/widgets.widget.made.v1.json")
        assert schema.status_code == 200
        assert schema.content == body
        assert schema.headers["cache-control"].startswith("public, max-age=")
        again = await gw.http.get(
            "/schemas/events/widgets.widget.made.v1.json",
            headers={"If-None-Match": schema.headers["etag"]},
        )
        assert again.status_code == 304
        document = (await gw.http.get("/asyncapi.json")).json()
        assert document["servers"]["api"]["host"] == "api.example.org"
        assert "widgets.widget.made.v1" in document["channels"]["changeFeed"]["messages"]
        assert document["channels"]["widgets.widget.v1"]["address"] == "widgets.widget.v1"


async def test_a_type_no_service_owns_is_a_404_problem(
    gateway_factory: Any, tmp_path: Path
) -> None:
    spec, _ = _widgets(tmp_path)
    async with gateway_factory(services=[spec]) as gw:
        for name in ("nobody.thing.made.v1.json", "widgets.widget.gone.v1.json", "x.json"):
            response = await gw.http.get(f"/schemas/events/{name}")
            assert response.status_code == 404
            assert response.json()["type"].endswith("/problems/not-found")


async def test_a_schema_whose_service_is_down_is_a_503_not_a_404(gateway_factory: Any) -> None:
    # The echo upstream publishes no contract: as if its service could not be reached.
    async with gateway_factory() as gw:
        response = await gw.http.get("/schemas/events/echo.thing.made.v1.json")
        assert response.status_code == 503
        assert response.json()["type"].endswith("/problems/upstream-unavailable")
        document = await gw.http.get("/asyncapi.json")
        assert document.status_code == 200
        assert list(document.json()["channels"]) == ["changeFeed"]


def test_the_public_base_url_defaults_to_where_the_gateway_serves(tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path, port=8123, host="0.0.0.0")
    assert settings.public_base_url == "http://127.0.0.1:8123"
    explicit = GatewaySettings(data_dir=tmp_path, public_base_url="https://api.example.org/")
    assert explicit.public_base_url == "https://api.example.org"

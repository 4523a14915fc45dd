"""The front door of the embedded platform: every link its index offers answers."""

from __future__ import annotations


async def test_every_link_of_the_index_answers_on_the_embedded_platform(platform_factory) -> None:
    async with platform_factory() as gw:
        body = (await gw.http.get("/", headers={"Accept": "application/json"})).json()
        for key, link in body["links"].items():
            if key == "token":
                continue  # POST only; tested with the metadata
            response = await gw.http.get(link["href"], headers={"Accept": link["type"]})
            assert response.status_code == 200, (key, response.text[:300])
            assert response.headers["content-type"].startswith(link["type"]), key

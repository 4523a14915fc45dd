"""``streetlevel``: serve the embedded platform and manage clients, councils, keys and areas.

Acts on the embedded platform under $STREETLEVEL_DATA_DIR (also while it runs: SQLite writes
take the lock up front), or, with GATEWAY_MODE=distributed, on a distributed gateway's
database ($GATEWAY_DATABASE_URL, its key $GATEWAY_SERVER_KEY or gateway_server_key under
$STREETLEVEL_SECRETS_DIR; areas go to $REGISTRY_DATABASE_URL). `.streetlevel/stack.env` sets
them for the native stack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from streetlevel.common.db import create_engine
from streetlevel.common.errors import DomainError
from streetlevel.common.settings import load_settings
from streetlevel.gateway import migrate
from streetlevel.gateway.identity.clients import ClientStore
from streetlevel.gateway.identity.keys import KeyRing
from streetlevel.gateway.settings import GatewaySettings, server_key
from streetlevel.registry.cli import load_areas
from streetlevel.registry.settings import RegistrySettings

SOURCE_HINT = "for the native stack: set -a; . .streetlevel/stack.env; set +a"


class TargetError(Exception):
    """The environment does not say which gateway (or registry) the CLI should act on."""


def gateway_target() -> GatewaySettings:
    """The gateway settings to act on; never mistakes a distributed gateway for embedded storage.

    Only the embedded platform's SQLite database may be created here, and only its key
    generated: a new key for a gateway that already has one makes clients that get 401.
    """
    settings = load_settings(GatewaySettings)
    if settings.mode == "distributed" and settings.is_sqlite:
        raise TargetError(
            "GATEWAY_MODE=distributed but GATEWAY_DATABASE_URL does not name the gateway's "
            f"PostgreSQL database; refusing to use an embedded SQLite database ({SOURCE_HINT})"
        )
    if settings.server_key is None and not (
        settings.mode == "embedded"
        and (settings.is_sqlite or (settings.data_dir / "server.key").exists())
    ):
        raise TargetError(
            "the gateway's server key is not set (GATEWAY_SERVER_KEY, or a gateway_server_key "
            f"file under STREETLEVEL_SECRETS_DIR); refusing to generate a new one ({SOURCE_HINT})"
        )
    return settings


def registry_target(gateway: GatewaySettings) -> RegistrySettings:
    """Where ``areas load`` writes: the embedded registry file, or $REGISTRY_DATABASE_URL."""
    if gateway.mode == "embedded":
        url = f"sqlite+aiosqlite:///{gateway.data_dir}/registry.db"
        return load_settings(RegistrySettings, database_url=url)
    target = load_settings(RegistrySettings)
    if target.is_sqlite:
        raise TargetError(
            "GATEWAY_MODE=distributed but REGISTRY_DATABASE_URL does not name the registry's "
            f"PostgreSQL database; refusing to load areas into a SQLite file ({SOURCE_HINT})"
        )
    return target


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streetlevel", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the whole platform in one process")
    serve.add_argument("--no-demo", action="store_true", help="skip the first-start demo data")

    clients = commands.add_parser("clients", help="API clients").add_subparsers(
        dest="action", required=True
    )
    create = clients.add_parser("create", help="create a client; prints its secret once")
    create.add_argument(
        "--kind", required=True, choices=["council", "enterprise", "registrar", "app"]
    )
    create.add_argument("--name", default=None)
    create.add_argument("--org", default=None, help="council org-id, e.g. GB-LAE-BPL")
    create.add_argument("--enterprise-id", default=None)
    create.add_argument("--scopes", default=None, help="space-separated (default: the kind's)")
    create.add_argument("--rate-limit", default=None, help="e.g. 5000/minute")
    clients.add_parser("list", help="list clients")
    revoke = clients.add_parser("revoke", help="revoke a client (no new tokens)")
    revoke.add_argument("client_id")
    rotate = clients.add_parser("rotate-secret", help="issue a new secret")
    rotate.add_argument("client_id")

    councils = commands.add_parser("councils", help="the council register").add_subparsers(
        dest="action", required=True
    )
    add = councils.add_parser("add", help="register a council")
    add.add_argument("--org", required=True, help="e.g. GB-LAE-BPL")
    add.add_argument("--name", required=True)
    add.add_argument("--area", required=True, help="GSS code, e.g. E06000009")
    councils.add_parser("list", help="list councils")

    keys = commands.add_parser("keys", help="token signing keys").add_subparsers(
        dest="action", required=True
    )
    rotate_keys = keys.add_parser(
        "rotate", help="stage the next key (published, not signing); --activate switches to it"
    )
    rotate_keys.add_argument("--activate", action="store_true")
    rotate_keys.add_argument("--force", action="store_true", help="skip the publish lead time")
    keys.add_parser("list", help="list keys")

    areas = commands.add_parser("areas", help="the area reference").add_subparsers(
        dest="action", required=True
    )
    load = areas.add_parser("load", help="load an ONS lookup CSV or area list into the registry")
    load.add_argument("file", type=Path)
    load.add_argument("--counties", type=Path, default=None)
    return parser


async def _with_stores(
    settings: GatewaySettings, action: Callable[[ClientStore, KeyRing], Awaitable[Any]]
) -> Any:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await migrate.upgrade_async(settings.database_url)
    from streetlevel.common.clock import SystemClock

    engine = create_engine(settings.database_url)
    key = server_key(settings)
    clock = SystemClock()
    try:
        clients = ClientStore(engine, server_key=key, clock=clock)
        ring = KeyRing(
            engine,
            server_key=key,
            clock=clock,
            token_lifetime_s=settings.token_lifetime_s,
            publish_lead_s=settings.key_publish_lead_s,
            cache_s=0,
        )
        return await action(clients, ring)
    finally:
        await engine.dispose()


async def _clients(args: argparse.Namespace, store: ClientStore) -> Any:
    if args.action == "create":
        client, secret = await store.create(
            kind=args.kind,
            name=args.name or f"{args.kind} client",
            scopes=args.scopes.split() if args.scopes is not None else None,
            org=args.org,
            enterprise_id=args.enterprise_id,
            rate_limit=args.rate_limit,
        )
        return {**client.public(), "client_secret": secret}
    if args.action == "list":
        return [c.public() for c in await store.list(after=None, limit=100_000)]
    if args.action == "revoke":
        await store.revoke(args.client_id)
        return {"client_id": args.client_id, "revoked": True}
    client, secret = await store.rotate_secret(args.client_id)
    return {"client_id": client.id, "client_secret": secret}


async def _keys(args: argparse.Namespace, ring: KeyRing) -> Any:
    if args.action == "rotate":
        pruned = await ring.prune()
        if args.activate:
            kid = await ring.activate(force=args.force)
            return {"activated": kid, "pruned": pruned}
        return {"staged": await ring.stage(), "pruned": pruned}
    return [
        {"kid": k.kid, "status": k.status, "created_at": k.created_at, "retired_at": k.retired_at}
        for k in await ring.keys(fresh=True)
    ]


def _serve(settings: GatewaySettings, demo: bool) -> int:
    import uvicorn

    from streetlevel.common.logging import configure_logging
    from streetlevel.common.server import JoinedHttpProtocol
    from streetlevel.platform.embedded import create_app

    configure_logging(level=settings.log_level, json=settings.log_json, service="streetlevel")
    app = create_app(settings, demo=demo)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http=JoinedHttpProtocol,
        lifespan="on",
        access_log=False,
        log_config=None,
    )
    return 0


def _load_areas(args: argparse.Namespace, target: RegistrySettings) -> Any:
    count = asyncio.run(load_areas(target, args.file, args.counties))
    return {"loaded": count, "file": str(args.file)}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            settings = load_settings(GatewaySettings, mode="embedded")
        elif args.command == "areas":
            target = registry_target(load_settings(GatewaySettings))
        else:
            settings = gateway_target()
    except (TargetError, ValueError) as exc:
        # ValueError: settings that fail validation (pydantic's ValidationError is one).
        print(f"streetlevel: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(settings, demo=not args.no_demo)
    if args.command == "areas":
        result = _load_areas(args, target)
    else:
        try:
            result = asyncio.run(_with_stores(settings, lambda c, k: _dispatch(args, c, k)))
        except DomainError as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


async def _dispatch(args: argparse.Namespace, clients: ClientStore, ring: KeyRing) -> Any:
    if args.command == "clients":
        return await _clients(args, clients)
    if args.command == "councils":
        if args.action == "add":
            return await clients.add_council(org_id=args.org, name=args.name, area=args.area)
        return await clients.councils()
    return await _keys(args, ring)


if __name__ == "__main__":
    sys.exit(main())

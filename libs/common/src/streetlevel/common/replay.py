"""``streetlevel-events replay``: put dead-lettered events back on their topic once fixed."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streetlevel.common.bus.kafka import dlq_topic
from streetlevel.common.descriptor import ServiceDescriptor
from streetlevel.common.rebuild import ReadModel, rebuild
from streetlevel.common.settings import load_settings


@dataclass(frozen=True)
class ReplayResult:
    replayed: int
    dlq: str


async def replay_dead_letters(
    *, bootstrap: str, topic: str, group: str, limit: int | None = None
) -> ReplayResult:
    """Re-publish what ``<topic>.<group>.dlq`` holds, committing progress as it goes.

    The replay group remembers where it got to, so running it twice does not republish;
    consumers' inboxes make a republished event that was applied meanwhile a no-op.
    """
    source = dlq_topic(topic, group)
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=f"{group}.replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        while limit is None or replayed < limit:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            if not batch:
                break
            for tp, records in batch.items():
                for record in records:
                    if limit is not None and replayed >= limit:
                        break
                    headers = [(k, v) for k, v in record.headers if not k.startswith("dlq_")]
                    headers.append(("replayed_from", source.encode()))
                    await producer.send_and_wait(
                        topic, value=record.value, key=record.key, headers=headers
                    )
                    replayed += 1
                    await consumer.commit(
                        {TopicPartition(tp.topic, tp.partition): record.offset + 1}
                    )
    finally:
        await producer.stop()
        await consumer.stop()
    return ReplayResult(replayed=replayed, dlq=source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="streetlevel-events", description="Operate on the event backbone."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    replay = sub.add_parser("replay", help="move a consumer group's dead letters back")
    replay.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    replay.add_argument("--topic", required=True, help="the original topic")
    replay.add_argument("--group", required=True, help="the consumer group whose DLQ to replay")
    replay.add_argument("--limit", type=int, default=None)
    rebuild_cmd = sub.add_parser(
        "rebuild", help="drop a service's read model and apply its Kafka topic again"
    )
    rebuild_cmd.add_argument("--service", required=True, help="e.g. commissioning")
    rebuild_cmd.add_argument(
        "--read-model", required=True, help="one of the service's read models, or 'all'"
    )
    rebuild_cmd.add_argument(
        "--bootstrap", default=None, help="default: the service's <NAME>_KAFKA_BOOTSTRAP_SERVERS"
    )
    rebuild_cmd.add_argument(
        "--database-url", default=None, help="default: the service's <NAME>_DATABASE_URL"
    )
    args = parser.parse_args(argv)
    if args.command == "rebuild":
        return _rebuild(parser, args)
    result = asyncio.run(
        replay_dead_letters(
            bootstrap=args.bootstrap, topic=args.topic, group=args.group, limit=args.limit
        )
    )
    sys.stdout.write(f"replayed {result.replayed} event(s) from {result.dlq}\n")
    return 0


def _descriptor(name: str) -> ServiceDescriptor:
    """The service's own descriptor, found by name (libs/common imports no service statically)."""
    try:
        module = importlib.import_module(f"streetlevel.{name}.app")
    except ModuleNotFoundError as exc:
        raise LookupError(f"no service {name!r}") from exc
    descriptor: ServiceDescriptor = module.SERVICE
    return descriptor


def _rebuild(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        service = _descriptor(args.service)
    except LookupError as exc:
        parser.error(str(exc))
    models: dict[str, ReadModel] = {
        n: m for n, m in service.read_models.items() if isinstance(m, ReadModel)
    }
    names = sorted(models) if args.read_model == "all" else [args.read_model]
    unknown = [n for n in names if n not in models]
    if unknown or not names:
        known = ", ".join(sorted(models)) or "none"
        parser.error(f"{service.name} has no read model {args.read_model!r} (known: {known})")
    # The service's own settings (its environment, its secrets): the same database, topic
    # prefix and Kafka credentials as the running service.
    overrides: dict[str, Any] = {"bus": "kafka"}
    if args.bootstrap:
        overrides["kafka_bootstrap_servers"] = args.bootstrap
    if args.database_url:
        overrides["database_url"] = args.database_url
    try:
        settings = load_settings(service.settings, **overrides)
    except ValueError as exc:
        parser.error(f"{service.name} settings: {exc}")
    for name in names:
        result = asyncio.run(
            rebuild(
                name=name,
                model=models[name],
                database_url=settings.database_url,
                bootstrap=settings.kafka_bootstrap_servers,
                topic_prefix=settings.kafka_topic_prefix,
                client_options=settings.kafka_options(),
            )
        )
        sys.stdout.write(
            f"rebuilt {service.name} {result.read_model} from {result.topic}: "
            f"{result.records} record(s) read, rows {result.rows_before} -> {result.rows_after}\n"
        )
    return 0

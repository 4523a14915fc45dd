"""NEGATIVE CONTROL, test-only: a wrong consumer that commits offsets BEFORE processing.

It records each event it applies in a SQLite file and, with --kill-after K, SIGKILLs itself
after applying K events of its first batch. Restarted, it resumes from the committed offsets, so
the rest of that batch is never applied: the fault harness must report that loss.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3

from aiokafka import AIOKafkaConsumer


async def run(args: argparse.Namespace) -> None:
    db = sqlite3.connect(args.db)
    db.execute("CREATE TABLE IF NOT EXISTS applied (event_id TEXT, subject TEXT)")
    consumer = AIOKafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    applied = 0
    idle = 0
    try:
        while idle < args.idle_polls:
            batches = await consumer.getmany(timeout_ms=500, max_records=1000)
            idle = 0 if batches else idle + 1
            for tp, records in batches.items():
                await consumer.commit({tp: records[-1].offset + 1})  # the bug: commit first
                for record in records:
                    event = json.loads(record.value or b"{}")
                    db.execute(
                        "INSERT INTO applied VALUES (?, ?)", (event["id"], event.get("subject"))
                    )
                    db.commit()
                    applied += 1
                    if args.kill_after and applied >= args.kill_after and len(records) > 1:
                        os.kill(os.getpid(), signal.SIGKILL)
    finally:
        await consumer.stop()
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--kill-after", type=int, default=0)
    parser.add_argument("--idle-polls", type=int, default=6)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

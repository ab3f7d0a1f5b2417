"""Runtime sub-commands: ``up``, ``migrate``, ``topics``."""

from __future__ import annotations

import argparse
import asyncio
import json

from services.config import load_settings
from services.logging import configure_logging


def _settings():
    settings = load_settings()
    configure_logging(settings.flywheel_log_format, settings.flywheel_log_level)
    return settings


def cmd_up(args: argparse.Namespace) -> int:
    from streams.runtime import run

    return run(_settings(), demo=args.demo)


def cmd_migrate(args: argparse.Namespace) -> int:
    from services.warehouse.client import connect
    from services.warehouse.migrations import applied, migrate_down, migrate_up
    from services.warehouse.client import claim_embedded_dir
    from streams.runtime import migration_params

    s = _settings()
    if s.embedded_clickhouse:
        claim_embedded_dir(s.warehouse_path)
    client = connect(s.clickhouse_url, s.clickhouse_database, s.warehouse_path)
    if args.down is not None:
        print(json.dumps({"reverted": migrate_down(client, args.down, migration_params(s))}))
    else:
        print(json.dumps({"applied": migrate_up(client, migration_params(s))}))
    print(json.dumps({"versions": applied(client)}))
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    from streams.topics import ensure_topics, load_catalog

    s = _settings()
    cat = load_catalog(prefix=s.flywheel_topic_prefix, replication_factor=s.flywheel_replication_factor)
    for t in cat.topics:
        print(f"{t.name:34} {t.event:18} partitions={t.partitions:<3} key={t.key:13} {t.cleanup_policy:8} -> {t.table}")
    if args.create:
        if s.embedded_broker:
            print("KAFKA_BOOTSTRAP is not set: nothing to create topics on (flywheel up creates them)")
            return 2
        print(json.dumps({"created": asyncio.run(ensure_topics(s.kafka_bootstrap, cat))}))
    return 0


def _warehouse_requests(since: str | None) -> list[dict]:
    """The ClickHouse source of ``flywheel cache simulate`` (logged requests)."""
    from services.warehouse.client import connect
    from services.warehouse.queries import logged_requests
    from services.warehouse.client import claim_embedded_dir

    s = _settings()
    if s.embedded_clickhouse:
        claim_embedded_dir(s.warehouse_path)
    return logged_requests(connect(s.clickhouse_url, s.clickhouse_database, s.warehouse_path), since)


def register(sub: argparse._SubParsersAction) -> None:
    try:
        import services.cache.cli as cache_cli

        cache_cli.REQUEST_SOURCE = _warehouse_requests
    except ImportError:  # pragma: no cover - the cache package is part of the project
        pass
    up = sub.add_parser("up", help="run the worker: broker/warehouse (embedded unless configured), agents, sink, API")
    up.add_argument("--demo", action="store_true", help="load the demo knowledge base and sample events")
    up.set_defaults(func=cmd_up)
    mig = sub.add_parser("migrate", help="apply ClickHouse migrations (or revert with --down VERSION)")
    mig.add_argument("--down", type=int, metavar="VERSION", help="revert migrations newer than VERSION")
    mig.set_defaults(func=cmd_migrate)
    top = sub.add_parser("topics", help="list the topic spec; --create creates missing topics on KAFKA_BOOTSTRAP")
    top.add_argument("--create", action="store_true")
    top.set_defaults(func=cmd_topics)

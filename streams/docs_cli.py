"""``flywheel docs ingest PATH...``: publish knowledge-base files as Document events.

Publishes to ``KAFKA_BOOTSTRAP``, or, when it is unset, to the embedded broker of the running
``flywheel up`` (its address is in ``$FLYWHEEL_DATA_DIR/broker.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from schemas.codec import make_codec
from schemas.models import Document
from services.config import load_settings
from services.retrieval.sources import SourceError, iter_files, read_documents
from streams.publisher import EventPublisher
from streams.topics import load_catalog


def broker_file(data_dir: Path) -> Path:
    return data_dir / "broker.json"


def _bootstrap(settings) -> str:
    if settings.kafka_bootstrap:
        return settings.kafka_bootstrap
    path = broker_file(settings.flywheel_data_dir)
    if not path.exists():
        raise SystemExit(f"KAFKA_BOOTSTRAP is not set and no running 'flywheel up' was found ({path} missing)")
    return json.loads(path.read_text())["bootstrap"]


async def _ingest(args: argparse.Namespace) -> int:
    settings = load_settings()
    tenant, app = args.tenant, args.app
    if not (tenant and app):
        tenant, app = next(iter(settings.api_keys.values()))
    catalog = load_catalog(prefix=settings.flywheel_topic_prefix)
    publisher = EventPublisher(_bootstrap(settings), catalog, make_codec(settings.schema_registry_url),
                               idempotent=settings.idempotent_producer)
    files = list(iter_files([Path(p) for p in args.paths]))
    version = int(time.time() * 1000)  # a re-ingest supersedes; unchanged chunks are not re-embedded
    sent = errors = 0
    await publisher.start()
    try:
        pending = []
        for path, root in tqdm(files, desc="ingest", unit="file", disable=args.quiet or not files):
            try:
                for doc in read_documents(path, root):
                    pending.append(Document(tenant_id=tenant, app_id=app, version=version, **doc))
            except (SourceError, ValueError) as exc:
                errors += 1
                print(f"skipped: {exc}", file=sys.stderr)
            if len(pending) >= 500:
                sent += await publisher.publish_many(pending)
                pending = []
        sent += await publisher.publish_many(pending)
    finally:
        await publisher.stop()
    print(json.dumps({"documents": sent, "files": len(files), "errors": errors, "tenant_id": tenant, "app_id": app,
                      "version": version}))
    return 1 if errors and not sent else 0


def register(sub: argparse._SubParsersAction) -> None:
    docs = sub.add_parser("docs", help="knowledge-base documents")
    docs_sub = docs.add_subparsers(dest="docs_command", metavar="COMMAND")
    ingest = docs_sub.add_parser("ingest", help="publish Markdown/HTML/text/JSONL files as Document events")
    ingest.add_argument("paths", nargs="+", help="files or folders")
    ingest.add_argument("--tenant", help="tenant id (default: the first API key's)")
    ingest.add_argument("--app", help="app id (default: the first API key's)")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(func=lambda args: asyncio.run(_ingest(args)))

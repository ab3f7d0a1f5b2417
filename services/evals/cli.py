"""``flywheel evals regenerate`` and ``flywheel evals run``.

Both read ClickHouse: ``CLICKHOUSE_URL`` when set, else the embedded engine at ``$FLYWHEEL_DATA_DIR/warehouse``,
which a running ``flywheel up`` owns (one process per data directory): stop the worker first, or use a server.
``run`` stores its EvalResult rows straight into ``eval_results`` (same columns as the sink writes; ids are
uuid5(run, item, metric) so a later publish of the same results collapses) and needs no Kafka.
"""

from __future__ import annotations

import datetime as dt
import os
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("evals", help="regenerate eval sets from feedback; run them and gate on regressions")
    sub = p.add_subparsers(dest="evals_command", metavar="SUBCOMMAND")
    r = sub.add_parser("regenerate", help="build a versioned eval set (JSONL + manifest) from ClickHouse")
    r.add_argument("--since", default="7d", help="ISO time, or a duration like 7d / 12h (default 7d)")
    r.add_argument("--until", default=None, help="ISO time (default now)")
    r.add_argument("--out", default="evals", help="output directory (default ./evals)")
    r.add_argument("--name", default="flywheel", help="eval set name")
    r.add_argument("--max-items", type=int, default=500)
    r.add_argument("--min-per-class", type=int, default=5)
    r.add_argument("--dup-threshold", type=float, default=0.95, help="cosine at or above which items are duplicates")
    r.set_defaults(func=_regenerate)
    x = sub.add_parser("run", help="score an eval set; exit 1 when a metric regresses against --baseline")
    x.add_argument("--set", required=True, dest="set_path", help="eval set JSONL (its manifest next to it)")
    x.add_argument("--baseline", default=None, help="baseline run id (in eval_results) or a results JSON file")
    x.add_argument("--run-id", default=None)
    x.add_argument("--max-drop", type=float, default=0.02, help="allowed absolute drop per metric (default 0.02)")
    x.add_argument("--metric-max-drop", action="append", default=[], metavar="METRIC=DROP")
    x.add_argument("--index", default=None, help="retrieval index directory (HybridIndex.save) for retrieval_recall")
    x.add_argument("--top-k", type=int, default=10)
    x.add_argument("--answer-hook", default=None, help="module:function giving the answer under test (default: "
                                                        "the recorded production answer)")
    x.add_argument("--judge", action="store_true", help="LLM-as-judge via FLYWHEEL_JUDGE_URL/_MODEL/_API_KEY")
    x.add_argument("--no-store", action="store_true", help="do not write eval_results (no ClickHouse needed)")
    x.add_argument("--out", default=None, help="also write the results as JSON here (usable as --baseline)")
    x.set_defaults(func=_run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _client():
    from services.config import load_settings
    from services.warehouse.client import claim_embedded_dir, connect
    from services.warehouse.migrations import migrate_up

    s = load_settings()
    if s.embedded_clickhouse:
        claim_embedded_dir(s.warehouse_path)
    client = connect(s.clickhouse_url, s.clickhouse_database, s.warehouse_path)
    migrate_up(client, {"raw_ttl_days": s.flywheel_raw_ttl_days,
                        "dead_letter_ttl_days": s.flywheel_dead_letter_ttl_days})
    from services.feedback.schema import ensure_schema

    ensure_schema(client)
    return client


def parse_since(value: str, now: dt.datetime | None = None) -> dt.datetime:
    now = now or dt.datetime.now(dt.timezone.utc)
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if value and value[-1] in units and value[:-1].isdigit():
        return now - dt.timedelta(**{units[value[-1]]: int(value[:-1])})
    t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _regenerate(args) -> int:
    from services.evals.regenerate import regenerate

    import orjson

    manifest = regenerate(_client(), args.out, parse_since(args.since),
                          parse_since(args.until) if args.until else None, name=args.name,
                          max_items=args.max_items, min_per_class=args.min_per_class,
                          dup_threshold=args.dup_threshold)
    sys.stdout.write(orjson.dumps(manifest, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0


def _run(args) -> int:
    import orjson

    from services.evals import run as runmod

    items, manifest = runmod.load_set(args.set_path)
    search = None
    if args.index:
        from services.retrieval import HybridIndex

        index = HybridIndex.load(args.index)

        def search(query: str, k: int) -> list[str]:
            return list(dict.fromkeys(r.doc_id for r in index.search(query, top_k=k)))

    judge = None
    if args.judge:
        from services.evals.judge import JudgeConfig, judge as call_judge

        if not os.environ.get("FLYWHEEL_JUDGE_URL"):
            raise SystemExit("--judge needs FLYWHEEL_JUDGE_URL (OpenAI-compatible base URL) and FLYWHEEL_JUDGE_MODEL")
        cfg = JudgeConfig(os.environ["FLYWHEEL_JUDGE_URL"], os.environ.get("FLYWHEEL_JUDGE_MODEL", "gpt-4o-mini"),
                          os.environ.get("FLYWHEEL_JUDGE_API_KEY"))

        def judge(item, answer):
            return call_judge(cfg, item, answer)

    from services.embeddings import get_embedder

    answer_fn = runmod.load_hook(args.answer_hook) if args.answer_hook else runmod.recorded_answer
    result = runmod.score_items(items, answer_fn=answer_fn, search=search, top_k=args.top_k,
                                embed=get_embedder().embed, grounding=runmod.guardrails_grounding, judge=judge,
                                run_id=args.run_id)
    client = None if args.no_store else _client()
    baseline_id = None
    baseline: dict = {}
    if args.baseline:
        if os.path.exists(args.baseline):
            data = orjson.loads(open(args.baseline, "rb").read())
            baseline_id = data["run_id"]
            baseline = {m: (v["mean"], v["n"]) for m, v in data["metrics"].items()}
        else:
            if client is None:
                raise SystemExit("--baseline RUN_ID reads eval_results: drop --no-store or pass a results JSON file")
            baseline_id = args.baseline
            baseline = runmod.baseline_means(client, args.baseline)
            if not baseline:
                raise SystemExit(f"no results for baseline run {args.baseline!r} in eval_results")
    if client is not None:
        runmod.store(client, runmod.result_rows(result, items, manifest, baseline_id))
    current = result.means()
    per_metric = {}
    for spec in args.metric_max_drop:
        metric, _, value = spec.partition("=")
        per_metric[metric] = float(value)
    comparison = runmod.compare(current, baseline, args.max_drop, per_metric)
    print(f"run {result.run_id} on {manifest.get('eval_set', args.set_path)} {manifest.get('version', '')} "
          f"({len(items)} items, {result.skipped} without an answer)"
          + (f" vs baseline {baseline_id}" if baseline_id else ""))
    print(runmod.table(comparison))
    if args.out:
        with open(args.out, "wb") as fh:
            fh.write(orjson.dumps({"run_id": result.run_id, "eval_set": manifest.get("eval_set"),
                                   "version": manifest.get("version"),
                                   "metrics": {m: {"mean": v, "n": n} for m, (v, n) in current.items()}},
                                  option=orjson.OPT_INDENT_2))
    return 1 if any(c.regressed for c in comparison) else 0

"""The ``flywheel cache`` sub-commands through the real entry point."""

from __future__ import annotations

import json

from streams.cli import main


def run(capsys, *argv):
    code = main(["cache", *argv])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_probe(tmp_path, capsys):
    f = tmp_path / "p.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "a", "put": {"query": "Convert 100 USD to EUR", "response": "92"},
                    "get": "Convert 100 EUR to USD", "label": "ignored"}),
        json.dumps({"id": "b", "put": {"query": "How do I cancel my subscription?", "response": "x"},
                    "get": "How can I stop my subscription?"}),
        "not json",
        json.dumps({"id": "c", "put": {"query": 3}, "get": "x"}),
        json.dumps({"id": "d", "put": {"query": "hello", "response": "hi"}, "get": "hello"}),
    ]) + "\n")
    code, rows = run(capsys, "probe", str(f))
    assert code == 0 and len(rows) == 5
    assert rows[0] == {"id": "a", "hit": False, "similarity": rows[0]["similarity"],
                       "reason": "slot_mismatch:currency"}
    assert rows[1]["hit"] is True and rows[1]["reason"] == "similar" and 0 < rows[1]["similarity"] <= 1
    assert "error" in rows[2] and rows[3]["id"] == "c" and "error" in rows[3]
    assert rows[4] == {"id": "d", "hit": True, "similarity": 1.0, "reason": "exact"}


def test_precompute_and_simulate_from_files(tmp_path, capsys, monkeypatch):
    base = {"tenant_id": "t", "app_id": "a"}
    req = tmp_path / "r.jsonl"
    req.write_text("\n".join(json.dumps({**base, "event_time": 1000 + i, "query": q, "response": "r"})
                             for i, q in enumerate(["Track my order", "Track my order", "Reset my password"])))
    out = tmp_path / "entries.jsonl"
    code, rows = run(capsys, "precompute", str(req), "--out", str(out), "--no-progress")
    assert code == 0 and rows[-1]["stored"] == 3 and len(out.read_text().splitlines()) == 3
    code, rows = run(capsys, "simulate", "--file", str(req), "--json")
    assert code == 0 and rows[0]["per_kind"]["semantic"] == {"eligible": 3, "hits": 1, "hit_rate": 0.3333}
    # no --file and no warehouse source wired (the runtime CLI wires the warehouse reader on registration)
    import argparse

    from services.cache import cli as cache_cli

    monkeypatch.setattr(cache_cli, "REQUEST_SOURCE", None)
    assert cache_cli.cmd_simulate(argparse.Namespace(file=None, since=None, threshold=None, top=10, json=True)) == 2

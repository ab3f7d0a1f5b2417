"""Reading knowledge-base files into documents (flywheel docs ingest)."""

from __future__ import annotations

import pytest

from services.retrieval.sources import SourceError, iter_files, read_documents


def test_folder_of_mixed_files(tmp_path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "returns.md").write_text("# Returns policy\n\nWithin 30 days.")
    (tmp_path / "page.html").write_text("<html><head><title>Shipping</title></head><body>3-5 days</body></html>")
    (tmp_path / "notes.txt").write_text("plain words")
    (tmp_path / "corpus.jsonl").write_text('{"_id": "d1", "title": "T", "text": "x"}\n\n{"id": 7, "text": "y"}\n')
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    docs = [d for f, root in iter_files([tmp_path]) for d in read_documents(f, root)]
    by_id = {d["doc_id"]: d for d in docs}
    assert set(by_id) == {"guides/returns", "page", "notes", "d1", "7"}
    assert by_id["guides/returns"]["title"] == "Returns policy"
    assert by_id["guides/returns"]["content_type"] == "text/markdown"
    assert by_id["page"]["title"] == "Shipping" and by_id["page"]["content_type"] == "text/html"
    assert by_id["notes"]["title"] == "notes"
    assert by_id["7"]["source"] == "corpus.jsonl:3"


def test_bad_jsonl_line_names_file_and_line(tmp_path):
    (tmp_path / "c.jsonl").write_text('{"_id": "a", "text": "ok"}\n{"title": "no id"}\n')
    with pytest.raises(SourceError, match="c.jsonl:2"):
        list(read_documents(tmp_path / "c.jsonl", tmp_path))


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="no such"):
        list(iter_files([tmp_path / "nope"]))

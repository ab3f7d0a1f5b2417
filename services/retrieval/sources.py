"""Read knowledge-base files into document records: Markdown, HTML, plain text and JSONL (BEIR-style).

Pure: returns dicts with doc_id, title, text, source, content_type, metadata; publishing is the caller's.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

import orjson

CONTENT_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".html": "text/html", ".htm": "text/html",
                 ".txt": "text/plain", ".text": "text/plain", ".rst": "text/plain"}
SUPPORTED = tuple(CONTENT_TYPES) + (".jsonl",)


class SourceError(ValueError):
    """A file or line that cannot become a document."""


def _title(text: str, content_type: str, fallback: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if content_type == "text/markdown" and stripped.startswith("#"):
            return stripped.lstrip("#").strip()
        if stripped:
            break
    if content_type == "text/html":
        lower = text.lower()
        start, end = lower.find("<title>"), lower.find("</title>")
        if 0 <= start < end:
            return text[start + 7:end].strip()
    return fallback


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, root) for every supported file under ``paths`` (files or folders), sorted."""
    for root in paths:
        if root.is_dir():
            for f in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED):
                yield f, root
        elif root.is_file():
            yield root, root.parent
        else:
            raise SourceError(f"{root}: no such file or folder")


def read_documents(path: Path, root: Path) -> Iterator[dict]:
    """The documents in one file. JSONL lines need an id (``_id``, ``id`` or ``doc_id``) and ``text``."""
    suffix = path.suffix.lower()
    rel = path.relative_to(root).as_posix() if path != root else path.name
    if suffix == ".jsonl":
        with path.open("rb") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise SourceError(f"{rel}:{n}: not JSON ({exc})") from None
                doc_id = obj.get("_id") or obj.get("id") or obj.get("doc_id")
                if not doc_id or not isinstance(obj.get("text"), str):
                    raise SourceError(f"{rel}:{n}: needs an id (_id, id or doc_id) and a text string")
                yield {"doc_id": str(doc_id), "title": obj.get("title") or None, "text": obj["text"],
                       "source": f"{rel}:{n}", "content_type": obj.get("content_type", "text/plain"),
                       "metadata": {k: str(v) for k, v in (obj.get("metadata") or {}).items()}}
        return
    content_type = CONTENT_TYPES.get(suffix)
    if content_type is None:
        raise SourceError(f"{rel}: unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED)}")
    text = path.read_text(encoding="utf-8", errors="replace")
    yield {"doc_id": rel.rsplit(".", 1)[0], "title": _title(text, content_type, path.stem), "text": text,
           "source": rel, "content_type": content_type,
           "metadata": {"sha256": hashlib.sha256(text.encode()).hexdigest()}}

import re

import pytest

from services.retrieval.chunking import Chunker, parse_html, parse_markdown, split_sentences


def words(text: str) -> int:
    """A deterministic stand-in token counter for structural tests (budget in words)."""
    return len(text.split())


MD = """# Widget Pro

Intro paragraph for the widget.

## Install

### Linux

Run the installer. Then reboot.

## Specs

| Model | Price | Code |
|---|---|---|
| Basic | 10 | SKU-1 |
| Plus | 20 | SKU-2 |
| Max | 30 | SKU-3 |
| Ultra | 40 | SKU-4 |

## Code

```python
def alpha():
    return "a long line that should never be cut in the middle of anything at all"
def beta():
    return 2
```
"""


def test_heading_path_is_the_chunk_title():
    chunks = Chunker(64, count_tokens=words).chunk("d", "Widget Pro", MD, "text/markdown")
    titles = [c.title for c in chunks]
    assert "Widget Pro" in titles  # the H1 equal to the doc title is not repeated
    assert "Widget Pro > Install > Linux" in titles
    linux = next(c for c in chunks if c.title.endswith("Linux"))
    assert linux.text == "Run the installer. Then reboot."
    assert linux.passage.startswith("Widget Pro > Install > Linux\n")


def test_table_rows_repeat_the_header():
    chunker = Chunker(16, count_tokens=words, min_text_tokens=12)
    chunks = [c for c in chunker.chunk("d", "Widget Pro", MD, "text/markdown") if c.title.endswith("Specs")]
    assert len(chunks) >= 2
    for c in chunks:
        assert c.text.startswith("| Model | Price | Code |\n|---|---|---|")
    rows = [line for c in chunks for line in c.text.split("\n")[2:]]
    assert rows == ["| Basic | 10 | SKU-1 |", "| Plus | 20 | SKU-2 |", "| Max | 30 | SKU-3 |", "| Ultra | 40 | SKU-4 |"]


def test_code_blocks_never_split_mid_line():
    chunker = Chunker(16, count_tokens=words, min_text_tokens=12)
    chunks = [c for c in chunker.chunk("d", "Widget Pro", MD, "text/markdown") if c.title.endswith("Code")]
    assert len(chunks) >= 2  # the budget forces a split ...
    source_lines = set(MD.split("\n"))
    for c in chunks:
        assert c.text.startswith("```python\n") and c.text.endswith("\n```")
        for line in c.text.split("\n")[1:-1]:
            assert line in source_lines  # ... but only between whole lines


def test_list_items_are_units():
    md = "# T\n\n- first item here\n- second item here\n  continued line\n- third item here\n"
    chunks = Chunker(16, count_tokens=words, min_text_tokens=7).chunk("d", "T", md, "text/markdown")
    texts = [c.text for c in chunks]
    assert texts[0].startswith("- first item here")
    assert "- second item here continued line" in "\n".join(texts)
    for t in texts:
        for line in t.split("\n"):
            assert line.startswith("- ")


def test_sentence_overlap_and_budget():
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(12)]
    text = " ".join(sentences)
    chunker = Chunker(24, overlap_sentences=1, count_tokens=words, min_text_tokens=20)
    chunks = chunker.chunk("d", "", text, "text/plain")
    assert len(chunks) >= 3
    for c in chunks:
        assert words(c.text) <= 24
    for a, b in zip(chunks, chunks[1:]):
        last = split_sentences(a.text)[-1]
        assert split_sentences(b.text)[0] == last  # one sentence of overlap
    no_overlap = Chunker(24, overlap_sentences=0, count_tokens=words, min_text_tokens=20).chunk("d", "", text)
    assert sum(len(split_sentences(c.text)) for c in no_overlap) == 12


def test_budget_with_real_tokenizer():
    text = " ".join(f"The SKU-{i} widget supports firmware v1.{i}.0 and draws {i} W." for i in range(60))
    chunker = Chunker(64)  # default counter: the embedding model's word pieces
    chunks = chunker.chunk("d", "Power", text)
    assert len(chunks) > 3
    for c in chunks:
        assert chunker.count_tokens(c.passage) <= 64 + 1  # title + newline + text within the budget
    assert chunker.count_tokens("word " * 400) == 400  # counts past the model's 256 truncation


def test_stable_ids_and_local_changes():
    chunker = Chunker(20, count_tokens=words, min_text_tokens=10)
    doc = "# A\n\nAlpha one. Alpha two.\n\n# B\n\nBeta one. Beta two.\n\n# C\n\nGamma one."
    first = chunker.chunk("doc-1", "", doc, "text/markdown")
    again = chunker.chunk("doc-1", "", doc, "text/markdown")
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert all(re.fullmatch(r"doc-1#\d+:[0-9a-f]{12}", c.chunk_id) for c in first)
    edited = chunker.chunk("doc-1", "", doc.replace("Beta two.", "Beta two, revised."), "text/markdown")
    changed = {c.chunk_id for c in edited} - {c.chunk_id for c in first}
    assert len(changed) == 1 and next(iter(changed)).startswith("doc-1#1:")


def test_whole_document_mode():
    chunks = Chunker(None).chunk("x", "Title", "Body text. " * 500)
    assert len(chunks) == 1 and chunks[0].title == "Title" and chunks[0].chunk_id.startswith("x#0:")


def test_sentence_splitter_respects_abbreviations():
    assert split_sentences("We used e.g. PCR. Results were clear. Dr. Smith agreed.") == [
        "We used e.g. PCR.", "Results were clear.", "Dr. Smith agreed."]
    assert split_sentences("Version v2.3.1 is out. Upgrade now!") == ["Version v2.3.1 is out.", "Upgrade now!"]


def test_html_structure():
    html = """<html><head><title>t</title><style>.x{}</style><script>var a=1;</script></head><body>
    <h1>Guide</h1><p>Hello <b>world</b>. Second sentence.</p>
    <h2>Lists</h2><ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul><ol><li>first</li></ol>
    <h2>Table</h2><table><thead><tr><th>k</th><th>v</th></tr></thead><tbody><tr><td>a</td><td>1</td></tr></tbody></table>
    <h2>Code</h2><pre><code>x = 1
  y = 2</code></pre></body></html>"""
    blocks = parse_html(html)
    kinds = [(b.kind, b.path) for b in blocks]
    assert kinds == [("paragraph", ("Guide",)), ("list", ("Guide", "Lists")), ("list", ("Guide", "Lists")),
                     ("table", ("Guide", "Table")), ("code", ("Guide", "Code"))]
    assert blocks[0].units == ["Hello world. Second sentence."]
    assert blocks[1].units == ["- one", "- two", "  - nested"]
    assert blocks[2].units == ["1. first"]
    assert blocks[3].header == "| k | v |\n|---|---|" and blocks[3].units == ["| a | 1 |"]
    assert blocks[4].units == ["x = 1", "  y = 2"]
    chunks = Chunker(64, count_tokens=words).chunk("h", "Guide", html, "text/html")
    assert "var a" not in " ".join(c.text for c in chunks)


@pytest.mark.parametrize("setext", ["Title\n=====\n\nBody.", "Title\n-----\n\nBody."])
def test_setext_headings(setext):
    blocks = parse_markdown(setext)
    assert blocks[0].path == ("Title",) and blocks[0].units == ["Body."]

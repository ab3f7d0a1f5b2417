"""Structure-aware chunking of Markdown, HTML and plain-text documents.

A document is first parsed into *blocks* under a *heading path* (Markdown ATX/setext headings, HTML
``<h1>``..``<h6>``): paragraphs, list items, tables and code blocks. Blocks are cut into *units* that are
never split further unless a single unit exceeds the budget on its own:

* paragraph -> sentences (an over-long sentence is cut into word windows);
* list -> one unit per item (the marker is kept, so the chunk still reads as a list);
* table -> one unit per row; every chunk that holds rows of a table starts with the table's header, so a
  row is never separated from the column names that give it meaning;
* code block -> one unit per line; a code chunk is re-fenced, and a line is never split (an over-long line
  becomes its own, over-budget chunk rather than being cut).

Units of one section are packed greedily into chunks of at most ``max_tokens`` model word pieces
(title included, since title and text are embedded together). When a chunk is closed in the middle of a
paragraph, the next chunk starts with the last ``overlap_sentences`` sentence(s) of the previous one
(sentence-level overlap, bounded by ``overlap_tokens``).

Each chunk's title is the document title followed by the heading path (``Guide > Install > Linux``).
Chunk ids are ``<doc_id>#<ordinal>:<content hash>``: stable across re-chunking of an unchanged
document, and the content hash lets the index reuse the embedding of any chunk whose title and text did not
change when a document is updated (see :meth:`services.retrieval.index.HybridIndex.upsert_document`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable, Iterable, Literal, Sequence

TokenCounter = Callable[[str], int]
BlockKind = Literal["paragraph", "list", "table", "code"]

DEFAULT_MAX_TOKENS = 256
TITLE_SEPARATOR = " > "


@dataclass(frozen=True)
class Chunk:
    """One indexable passage of a document."""

    chunk_id: str
    doc_id: str
    ordinal: int
    title: str
    text: str
    content_hash: str
    kinds: tuple[str, ...] = ()

    @property
    def passage(self) -> str:
        """What is embedded and BM25-indexed: title and text together."""
        return passage_text(self.title, self.text)


def passage_text(title: str | None, text: str | None) -> str:
    """Title and text joined by a newline (either may be empty)."""
    return "\n".join(p for p in (title or "", text or "") if p)


def content_hash(title: str, text: str) -> str:
    """12 hex digits identifying a chunk's content (title and text)."""
    return hashlib.sha1(f"{title}\x00{text}".encode("utf-8")).hexdigest()[:12]


def make_chunk_id(doc_id: str, ordinal: int, chash: str) -> str:
    return f"{doc_id}#{ordinal}:{chash}"


# --------------------------------------------------------------------------------------------- blocks


@dataclass
class Block:
    """A structural block under a heading path."""

    kind: BlockKind
    path: tuple[str, ...]
    units: list[str]
    header: str | None = None  # tables: rendered header (+ separator); code: the opening fence's info string


@dataclass
class _Builder:
    blocks: list[Block] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(t for _, t in self.headings)

    def heading(self, level: int, text: str) -> None:
        text = _collapse(text)
        if not text:
            return
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, text))

    def add(self, kind: BlockKind, units: Sequence[str], header: str | None = None) -> None:
        units = [u for u in units if u.strip()] if kind != "code" else list(units)
        if kind == "code":
            while units and not units[-1].strip():
                units.pop()
            while units and not units[0].strip():
                units.pop(0)
        if units:
            self.blocks.append(Block(kind, self.path, list(units), header))


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(.*)$")
_LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_HR = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")


def _is_table_line(line: str) -> bool:
    return line.lstrip().startswith("|") or (line.count("|") >= 1 and not line.strip().startswith("```"))


def _table_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", s)]


def _render_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _render_header(cells: Sequence[str]) -> str:
    return _render_row(cells) + "\n" + "|" + "|".join("---" for _ in cells) + "|"


def parse_markdown(text: str) -> list[Block]:
    """Blocks of a Markdown document."""
    b = _Builder()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(2)
            info = fence.group(3).strip()
            body: list[str] = []
            i += 1
            while i < n and not re.match(rf"^\s*{re.escape(marker[0])}{{{len(marker)},}}\s*$", lines[i]):
                body.append(lines[i])
                i += 1
            i += 1  # closing fence (or end of text)
            b.add("code", body, header=info)
            continue
        atx = _ATX.match(line)
        if atx:
            b.heading(len(atx.group(1)), atx.group(2) or "")
            i += 1
            continue
        if i + 1 < n and _SETEXT.match(lines[i + 1]) and not _LIST_ITEM.match(line) and "|" not in line \
                and not _HR.match(line):
            b.heading(1 if lines[i + 1].strip().startswith("=") else 2, line)
            i += 2
            continue
        if _HR.match(line):
            i += 1
            continue
        if line.lstrip().startswith("|") or (
                "|" in line and i + 1 < n and _TABLE_SEP.match(lines[i + 1]) and "|" in lines[i + 1]):
            rows: list[str] = []
            while i < n and lines[i].strip() and _is_table_line(lines[i]):
                rows.append(lines[i])
                i += 1
            header: str | None = None
            if len(rows) >= 2 and _TABLE_SEP.match(rows[1]):
                header = _render_header(_table_cells(rows[0]))
                rows = rows[2:]
            b.add("table", [_render_row(_table_cells(r)) for r in rows if not _TABLE_SEP.match(r)], header)
            continue
        if _LIST_ITEM.match(line):
            items: list[str] = []
            while i < n:
                cur = lines[i]
                m = _LIST_ITEM.match(cur)
                if m:
                    indent = "  " * (len(m.group(1).expandtabs(4)) // 2)
                    items.append(f"{indent}{m.group(2)} {m.group(3).strip()}")
                    i += 1
                elif cur.strip() and not _FENCE.match(cur) and not _ATX.match(cur) and items:
                    if not cur.startswith((" ", "\t")) and (cur.lstrip().startswith("|")):
                        break
                    items[-1] += " " + cur.strip()  # continuation (indented or lazy)
                    i += 1
                elif not cur.strip() and i + 1 < n and (
                        _LIST_ITEM.match(lines[i + 1]) or lines[i + 1].startswith(("  ", "\t"))):
                    i += 1  # loose list: a blank line between items
                else:
                    break
            b.add("list", items)
            continue
        para: list[str] = []
        while i < n and lines[i].strip():
            cur = lines[i]
            if para and (_FENCE.match(cur) or _ATX.match(cur) or _LIST_ITEM.match(cur)
                         or cur.lstrip().startswith("|") or _HR.match(cur)):
                break
            if para and i + 1 < n and _SETEXT.match(lines[i + 1]) and not _HR.match(lines[i + 1]):
                break  # this line is a setext heading
            para.append(cur.strip())
            i += 1
        b.add("paragraph", [" ".join(para)])
    return b.blocks


class _HTMLBlocks(HTMLParser):
    """html.parser-based block extractor (headings, paragraphs, lists, tables, pre)."""

    _SKIP = {"script", "style", "noscript", "template", "head", "svg"}
    _BREAKS = {"p", "div", "section", "article", "blockquote", "br", "header", "footer", "main", "aside", "nav",
               "dd", "dt", "figure", "figcaption", "form", "hr", "body", "html"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.b = _Builder()
        self._skip = 0
        self._text: list[str] = []
        self._heading: int | None = None
        self._heading_text: list[str] = []
        self._lists: list[tuple[str, int]] = []  # (tag, counter)
        self._items: list[str] = []
        self._item: list[str] | None = None
        self._pre = 0
        self._pre_text: list[str] = []
        self._pre_lang = ""
        self._table_rows: list[tuple[list[str], bool]] | None = None
        self._row: list[str] | None = None
        self._row_has_th = False
        self._cell: list[str] | None = None
        self._in_thead = False

    # -- helpers
    def _flush_text(self) -> None:
        text = _collapse("".join(self._text))
        self._text = []
        if text:
            self.b.add("paragraph", [text])

    def _flush_list(self) -> None:
        if self._items:
            self.b.add("list", self._items)
        self._items = []

    def _end_item(self) -> None:
        if self._item is not None:
            text = _collapse("".join(self._item))
            depth = max(len(self._lists) - 1, 0)
            tag, count = self._lists[-1] if self._lists else ("ul", 0)
            marker = f"{count}." if tag == "ol" else "-"
            if text:
                self._items.append("  " * depth + f"{marker} {text}")
            self._item = None

    def _sink(self) -> list[str]:
        if self._cell is not None:
            return self._cell
        if self._heading is not None:
            return self._heading_text
        if self._item is not None:
            return self._item
        return self._text

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
            return
        if self._skip:
            return
        if self._pre:
            if tag == "br":
                self._pre_text.append("\n")
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._flush_text()
            self._end_item()
            self._flush_list()
            self._heading = int(tag[1])
            self._heading_text = []
        elif tag == "pre":
            self._flush_text()
            self._pre += 1
            self._pre_text = []
            self._pre_lang = ""
        elif tag == "code" and self._pre:
            pass
        elif tag in ("ul", "ol"):
            if self._item is not None:  # nested list: close the parent item's text first
                self._end_item()
            else:
                self._flush_text()
            self._lists.append((tag, 0))
        elif tag == "li":
            self._end_item()
            if self._lists:
                t, c = self._lists[-1]
                self._lists[-1] = (t, c + 1)
            self._item = []
        elif tag == "table":
            self._flush_text()
            self._table_rows = []
        elif tag == "thead":
            self._in_thead = True
        elif tag == "tr":
            self._row = []
            self._row_has_th = False
        elif tag in ("td", "th"):
            self._cell = []
            if tag == "th":
                self._row_has_th = True
        elif tag in self._BREAKS:
            if tag == "br" and self._item is not None:
                self._item.append(" ")
            elif self._item is None and self._heading is None and self._cell is None:
                self._flush_text()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(self._skip - 1, 0)
            return
        if self._skip:
            return
        if tag == "pre" and self._pre:
            self._pre -= 1
            if not self._pre:
                self.b.add("code", "".join(self._pre_text).split("\n"), header=self._pre_lang)
            return
        if self._pre:
            return
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.b.heading(self._heading, "".join(self._heading_text))
            self._heading = None
        elif tag == "li":
            self._end_item()
        elif tag in ("ul", "ol"):
            self._end_item()
            if self._lists:
                self._lists.pop()
            if not self._lists:
                self._flush_list()
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_collapse("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table_rows is not None:
            if any(self._row):
                self._table_rows.append((self._row, self._row_has_th or self._in_thead))
            self._row = None
        elif tag == "thead":
            self._in_thead = False
        elif tag == "table" and self._table_rows is not None:
            rows = self._table_rows
            self._table_rows = None
            header = None
            if rows and rows[0][1]:
                header = _render_header(rows[0][0])
                rows = rows[1:]
            self.b.add("table", [_render_row(r) for r, _ in rows], header)
        elif tag in self._BREAKS and self._item is None and self._heading is None and self._cell is None:
            self._flush_text()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            self._pre_text.append(data)
            return
        self._sink().append(data)

    def close(self) -> None:
        super().close()
        self._end_item()
        self._flush_list()
        self._flush_text()


def parse_html(text: str) -> list[Block]:
    """Blocks of an HTML document (stdlib :mod:`html.parser`)."""
    p = _HTMLBlocks()
    p.feed(text)
    p.close()
    return p.b.blocks


def parse_plain(text: str) -> list[Block]:
    """Blocks of plain text: paragraphs separated by blank lines."""
    paras = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [Block("paragraph", (), [_collapse(p)]) for p in paras if p.strip()]


def parse(text: str, content_type: str | None) -> list[Block]:
    """Dispatch on the content type (``text/markdown``, ``text/html``, ``text/plain``; also short names)."""
    ct = (content_type or "").lower()
    if "html" in ct:
        return parse_html(text)
    if "markdown" in ct or ct in ("md", "text/x-markdown"):
        return parse_markdown(text)
    return parse_plain(text)


# ------------------------------------------------------------------------------------------ sentences

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs cf al fig figs eq eqs no nos approx dr mr mrs ms prof st inc ltd co jr sr vol ed resp".split())
_SENT_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences (conservative: abbreviations and initials do not end a sentence)."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _SENT_BOUNDARY.finditer(text):
        before = text[start:m.start()].rstrip("\"')]")
        last_word = before.rsplit(None, 1)[-1] if before.split() else ""
        stem = last_word.rstrip(".!?").lower()
        if last_word.endswith(".") and stem in _ABBREVIATIONS:
            continue
        piece = text[start:m.start()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


# -------------------------------------------------------------------------------------------- packing


@dataclass
class _Unit:
    text: str
    tokens: int
    block: int
    kind: str  # sentence | item | row | line


_COUNTER: TokenCounter | None = None


def _default_counter() -> TokenCounter:
    """Word pieces of the shared embedder's tokenizer, *without* truncation.

    (``Embedder.count_tokens`` reuses the embedding tokenizer, which truncates at 256 word pieces, so it
    cannot see that a unit is over budget; this counter loads the same ``tokenizer.json`` untruncated.)
    """
    global _COUNTER
    if _COUNTER is None:
        from tokenizers import Tokenizer

        from services.embeddings.model import TOKENIZER_PATH

        tok = Tokenizer.from_file(str(TOKENIZER_PATH))
        tok.no_truncation()
        tok.no_padding()
        _COUNTER = lambda text: len(tok.encode(text, add_special_tokens=False).ids) if text else 0  # noqa: E731
    return _COUNTER


class Chunker:
    """Splits documents into :class:`Chunk` objects (see the module docstring).

    ``max_tokens`` is the budget in model word pieces for title + text; ``None`` means whole-document
    chunks (one chunk per document, as BEIR evaluation indexes documents). ``count_tokens`` defaults to the
    shared embedder's word-piece count.
    """

    def __init__(self, max_tokens: int | None = DEFAULT_MAX_TOKENS, overlap_sentences: int = 1,
                 overlap_tokens: int = 64, count_tokens: TokenCounter | None = None,
                 min_text_tokens: int = 48) -> None:
        if max_tokens is not None and max_tokens < 16:
            raise ValueError("max_tokens must be at least 16")
        self.max_tokens = max_tokens
        self.overlap_sentences = max(0, overlap_sentences)
        self.overlap_tokens = overlap_tokens
        self._count = count_tokens
        self.min_text_tokens = min_text_tokens

    def count_tokens(self, text: str) -> int:
        if self._count is None:
            self._count = _default_counter()
        return self._count(text)

    def chunk(self, doc_id: str, title: str | None, text: str, content_type: str | None = "text/plain") -> list[Chunk]:
        """Chunks of one document, in document order, with ordinals 0..n-1."""
        doc_title = _collapse(title or "")
        if self.max_tokens is None:
            body = (text or "").strip()
            if not body and not doc_title:
                return []
            h = content_hash(doc_title, body)
            return [Chunk(make_chunk_id(doc_id, 0, h), doc_id, 0, doc_title, body, h, ("document",))]
        blocks = parse(text or "", content_type)
        pieces: list[tuple[str, str, tuple[str, ...]]] = []
        for path, section in _sections(blocks):
            chunk_title = _join_title(doc_title, path)
            for body, kinds in self._pack(chunk_title, section):
                pieces.append((chunk_title, body, kinds))
        if not pieces and doc_title:
            pieces.append((doc_title, "", ()))
        chunks = []
        for ordinal, (ctitle, body, kinds) in enumerate(pieces):
            h = content_hash(ctitle, body)
            chunks.append(Chunk(make_chunk_id(doc_id, ordinal, h), doc_id, ordinal, ctitle, body, h, kinds))
        return chunks

    # -- internals
    def _units(self, blocks: Sequence[Block], budget: int) -> list[_Unit]:
        units: list[_Unit] = []
        for bi, block in enumerate(blocks):
            if block.kind == "paragraph":
                for sent in split_sentences(block.units[0]):
                    units.extend(self._split_long(sent, bi, budget))
            elif block.kind == "list":
                for item in block.units:
                    tokens = self.count_tokens(item)
                    if tokens > budget:
                        for sent in split_sentences(item):
                            units.extend(self._split_long(sent, bi, budget, kind="item"))
                    else:
                        units.append(_Unit(item, tokens, bi, "item"))
            elif block.kind == "table":
                units.extend(_Unit(r, self.count_tokens(r), bi, "row") for r in block.units)
            else:  # code: never split a line
                units.extend(_Unit(line, self.count_tokens(line), bi, "line") for line in block.units)
        return units

    def _split_long(self, sentence: str, bi: int, budget: int, kind: str = "sentence") -> list[_Unit]:
        tokens = self.count_tokens(sentence)
        if tokens <= budget:
            return [_Unit(sentence, tokens, bi, kind)]
        words = sentence.split()
        per_word = tokens / max(len(words), 1)
        step = max(1, int(budget / per_word * 0.9))
        out = []
        for s in range(0, len(words), step):
            piece = " ".join(words[s:s + step])
            out.append(_Unit(piece, self.count_tokens(piece), bi, kind))
        return out

    def _pack(self, title: str, blocks: Sequence[Block]) -> Iterable[tuple[str, tuple[str, ...]]]:
        assert self.max_tokens is not None
        title_tokens = self.count_tokens(title) + 1 if title else 0
        budget = max(self.max_tokens - title_tokens, self.min_text_tokens)
        extra = {bi: self._block_overhead(b) for bi, b in enumerate(blocks)}
        units = self._units(blocks, budget)
        current: list[_Unit] = []
        used = 0

        def cost_of(u: _Unit, cur: list[_Unit]) -> int:
            opens_block = not cur or cur[-1].block != u.block
            return u.tokens + (extra[u.block] if opens_block else 0)

        block_cost: dict[int, int] = {}
        for u in units:
            block_cost[u.block] = block_cost.get(u.block, extra[u.block]) + u.tokens
        for u in units:
            c = cost_of(u, current)
            starts_block = not current or current[-1].block != u.block
            if current and starts_block and used + block_cost[u.block] > budget >= block_cost[u.block]:
                # the whole block fits in a fresh chunk but not in this one: do not split it
                yield self._render(blocks, current)
                current, used = [], 0
                c = cost_of(u, current)
            if current and used + c > budget:
                yield self._render(blocks, current)
                overlap: list[_Unit] = []
                if u.kind == "sentence" and self.overlap_sentences:
                    o_tokens = 0
                    for prev in reversed(current):
                        if prev.kind != "sentence" or prev.block != u.block or len(overlap) >= self.overlap_sentences:
                            break
                        if o_tokens + prev.tokens > self.overlap_tokens:
                            break
                        overlap.insert(0, prev)
                        o_tokens += prev.tokens
                    if overlap and o_tokens + extra[u.block] + u.tokens > budget:
                        overlap = []
                current = overlap
                used = sum(x.tokens for x in overlap) + (extra[u.block] if overlap else 0)
                c = cost_of(u, current)
            current.append(u)
            used += c
        if current:
            yield self._render(blocks, current)

    def _block_overhead(self, block: Block) -> int:
        if block.kind == "table" and block.header:
            return self.count_tokens(block.header)
        if block.kind == "code":
            return 2 + (self.count_tokens(block.header) if block.header else 0)
        return 0

    @staticmethod
    def _render(blocks: Sequence[Block], units: Sequence[_Unit]) -> tuple[str, tuple[str, ...]]:
        parts: list[str] = []
        kinds: list[str] = []
        i = 0
        while i < len(units):
            bi = units[i].block
            group = []
            while i < len(units) and units[i].block == bi:
                group.append(units[i].text)
                i += 1
            block = blocks[bi]
            if block.kind not in kinds:
                kinds.append(block.kind)
            if block.kind == "paragraph":
                parts.append(" ".join(group))
            elif block.kind == "list":
                parts.append("\n".join(group))
            elif block.kind == "table":
                parts.append("\n".join(([block.header] if block.header else []) + group))
            else:
                parts.append("```" + (block.header or "") + "\n" + "\n".join(group) + "\n```")
        return "\n\n".join(parts), tuple(kinds)


def _sections(blocks: Sequence[Block]) -> Iterable[tuple[tuple[str, ...], list[Block]]]:
    """Consecutive blocks sharing a heading path."""
    current: list[Block] = []
    path: tuple[str, ...] | None = None
    for b in blocks:
        if path is not None and b.path != path:
            yield path, current
            current = []
        path = b.path
        current.append(b)
    if current and path is not None:
        yield path, current


def _join_title(doc_title: str, path: Sequence[str]) -> str:
    parts = [doc_title] if doc_title else []
    for i, h in enumerate(path):
        if i == 0 and parts and h.lower() == parts[0].lower():
            continue  # the H1 usually repeats the document title
        parts.append(h)
    return TITLE_SEPARATOR.join(parts)


def chunk_document(doc_id: str, title: str | None, text: str, content_type: str | None = "text/plain",
                   max_tokens: int | None = DEFAULT_MAX_TOKENS, overlap_sentences: int = 1,
                   count_tokens: TokenCounter | None = None) -> list[Chunk]:
    """Convenience wrapper around :class:`Chunker`."""
    return Chunker(max_tokens, overlap_sentences, count_tokens=count_tokens).chunk(doc_id, title, text, content_type)

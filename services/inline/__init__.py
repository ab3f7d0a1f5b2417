"""The inline request path composed from the pure cores (retrieval, cache, guardrails); see pipeline.py."""

from services.inline.pipeline import IndexRegistry, InlinePipeline, RequestContext

__all__ = ["IndexRegistry", "InlinePipeline", "RequestContext"]

"""Client for an OpenAI-compatible chat-completions endpoint (the true external boundary)."""

from services.llm.client import ChatGenerator, GeneratorError

__all__ = ["ChatGenerator", "GeneratorError"]

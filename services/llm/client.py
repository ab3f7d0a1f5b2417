"""A small synchronous client for OpenAI-compatible ``/chat/completions`` endpoints.

Used by the cache warmer (answers for hot, uncached keys). Configured with ``FLYWHEEL_GENERATOR_URL``
(base URL, e.g. ``http://localhost:11434/v1``), ``FLYWHEEL_GENERATOR_MODEL`` and
``FLYWHEEL_GENERATOR_API_KEY``; nothing is called when the URL is unset.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Mapping

DEFAULT_SYSTEM = ("You answer customer questions for the application described by the request. Answer concisely; "
                  "if you do not know, say so.")


class GeneratorError(RuntimeError):
    """The endpoint failed or answered something that is not a chat completion."""


@dataclass
class ChatGenerator:
    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 30.0
    system_prompt: str = DEFAULT_SYSTEM

    def prompt(self, request: Mapping[str, Any]) -> str:
        query = str(request.get("query") or "")
        if request.get("template_id"):
            params = ", ".join(f"{k}={v}" for k, v in sorted((request.get("params") or {}).items()))
            return f"Task {request['template_id']} with {params}" + (f": {query}" if query else "")
        return query

    def __call__(self, request: Mapping[str, Any]) -> dict:
        """Answer an InteractionRequest-shaped mapping: {"text", "finish_reason", "model"}."""
        body = {"model": self.model, "messages": [{"role": "system", "content": self.system_prompt},
                                                   {"role": "user", "content": self.prompt(request)}]}
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.base_url.rstrip("/") + "/chat/completions",
                                     data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                data = json.loads(resp.read())
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
            raise GeneratorError(f"generator call failed: {exc}") from exc
        try:
            choice = data["choices"][0]
            return {"text": choice["message"]["content"], "finish_reason": choice.get("finish_reason"),
                    "model": data.get("model", self.model)}
        except (KeyError, IndexError, TypeError) as exc:
            raise GeneratorError(f"not a chat completion: {str(data)[:200]}") from exc

"""Optional LLM-as-judge through an OpenAI-compatible chat endpoint (``/v1/chat/completions``).

One precise rubric per item type; the judge must answer with JSON ``{"score": 0|1|2, "reason": "..."}``;
the metric value is score / 2. Configure with ``FLYWHEEL_JUDGE_URL`` (base URL, e.g.
http://localhost:8000/v1), ``FLYWHEEL_JUDGE_API_KEY``, ``FLYWHEEL_JUDGE_MODEL``.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

RUBRICS = {
    "correction": (
        "You compare an ANSWER with the REFERENCE a user wrote to correct a previous answer to the same QUERY.\n"
        "Score 2: the ANSWER has every fact of the REFERENCE, no fact the REFERENCE contradicts, and the same "
        "format (structure, JSON shape, list vs prose) and tone (formal/informal).\n"
        "Score 1: facts agree but format or tone differs, or one minor fact is missing.\n"
        "Score 0: a fact differs from or contradicts the REFERENCE, or the answer does not address the QUERY."),
    "regression": (
        "A previous answer to this QUERY was rejected by the user ({what}; {why}). The REJECTED answer is shown.\n"
        "Score 2: the ANSWER addresses the QUERY, uses only facts present in the CONTEXT (if given) and does not "
        "repeat the problem of the REJECTED answer.\n"
        "Score 1: the problem is fixed but the answer is incomplete or adds an unsupported detail.\n"
        "Score 0: the ANSWER has the same problem as the REJECTED one, or is off-topic, or refuses without reason."),
    "guardrail": (
        "A guardrail fired on a previous answer to this QUERY: {what} ({why}).\n"
        "Score 2: the ANSWER would not trigger that check (no unsupported claim / no personal data / valid format "
        "/ no unsafe content, as applicable) and still answers the QUERY.\n"
        "Score 1: the check would pass but the answer is evasive or incomplete.\n"
        "Score 0: the ANSWER has the same defect."),
}


@dataclass(frozen=True)
class JudgeConfig:
    url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 60.0


def prompt(item: dict, answer: str) -> list[dict]:
    rubric = RUBRICS.get(item.get("type"), RUBRICS["regression"]).format(what=item.get("what", ""),
                                                                            why=item.get("why", ""))
    parts = [f"QUERY:\n{item['input']['query']}"]
    if item["input"].get("context"):
        parts.append("CONTEXT:\n" + "\n---\n".join(c["text"] for c in item["input"]["context"]))
    if item.get("type") == "correction" and item["expected"].get("output"):
        parts.append(f"REFERENCE:\n{item['expected']['output']}")
    if item.get("type") != "correction" and item["observed"].get("output"):
        parts.append(f"REJECTED:\n{item['observed']['output']}")
    parts.append(f"ANSWER:\n{answer}")
    return [{"role": "system", "content": rubric + '\nReply with JSON only: {"score": 0|1|2, "reason": "<one sentence>"}'},
            {"role": "user", "content": "\n\n".join(parts)}]


def parse_score(content: str) -> tuple[float, str]:
    text = content.strip()
    start, end = text.find("{"), text.rfind("}")
    data = json.loads(text[start:end + 1])
    score = int(data["score"])
    if score not in (0, 1, 2):
        raise ValueError(f"score {score} not in 0..2")
    return score / 2, str(data.get("reason", ""))


def judge(cfg: JudgeConfig, item: dict, answer: str) -> tuple[float, str]:
    body = {"model": cfg.model, "temperature": 0, "messages": prompt(item, answer)}
    headers = {"Content-Type": "application/json"}
    if cfg.api_key:
        headers["Authorization"] = f"Bearer {cfg.api_key}"
    req = urllib.request.Request(cfg.url.rstrip("/") + "/chat/completions", data=json.dumps(body).encode(),
                                 headers=headers)
    with urllib.request.urlopen(req, timeout=cfg.timeout_s) as r:
        content = json.loads(r.read())["choices"][0]["message"]["content"]
    return parse_score(content)

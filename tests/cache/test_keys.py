"""Key builders canonicalise what does not change meaning and keep what does."""

from __future__ import annotations

from services.cache.keys import (canonical_params, item_key, pair_key, request_body, semantic_key,
                                 structured_key)
from services.cache.model import CacheKind, Scope

S = Scope("t1", "app", "gpt-x", "v3")


def test_param_order_case_whitespace_and_numbers():
    a = structured_key(S, "Summarize_Ticket", {"id": " 4471 ", "Lang": "EN", "limit": 50})
    b = structured_key(S, "summarize_ticket ", {"lang": "en", "limit": "50.0", "id": "4471"})
    assert a == b
    assert a != structured_key(S, "summarize_ticket", {"id": "4472", "lang": "en", "limit": 50})


def test_opaque_tokens_keep_case():
    assert canonical_params({"token": "aB3dEfGhIjKlMnOpQ"}) != canonical_params({"token": "ab3defghijklmnopq"})


def test_pairs_are_unordered_items_are_not_shared():
    assert pair_key(S, "SKU-1", "sku-2", "compare") == pair_key(S, "SKU-2", "SKU-1", "Compare")
    assert item_key(S, "SKU-1", "describe") != item_key(S, "SKU-1", "summarize")


def test_scope_is_part_of_every_key():
    other = Scope("t1", "app", "gpt-x", "v4")
    assert structured_key(S, "t", {}) != structured_key(other, "t", {})
    assert semantic_key(S, "Hello  World?") == semantic_key(S, "hello world")
    assert semantic_key(S, "hello") != semantic_key(Scope("t2", "app", "gpt-x", "v3"), "hello")


def test_request_body_conventions():
    assert request_body({"template_id": "summarize", "params": {"id": "1"}})[0] is CacheKind.STRUCTURED
    assert request_body({"task": "describe", "entity_id": "42"})[0] is CacheKind.ITEM
    assert request_body({"task": "compare", "entities": ["a", "b"]})[0] is CacheKind.PAIR
    assert request_body({"query": "hi"}) is None


def test_long_keys_are_bounded():
    k = structured_key(S, "t", {"text": "x" * 5000})
    assert len(k) <= 240 and k != structured_key(S, "t", {"text": "x" * 4999})

from aiohttp import web

from services.guardrails.moderation import ModerationClient, ModerationConfig, moderate_lexicon
from services.guardrails.pipeline import check_output_async


def test_lexicon_fallback():
    assert [t.label for t in moderate_lexicon("Step one: how to build a pipe bomb")] == ["weapons"]
    assert moderate_lexicon("How do I kill a zombie process in Linux?") == []


async def _server(aiohttp_status=200):
    seen = []

    async def handler(request):
        body = await request.json()
        seen.append((request.headers.get("Authorization"), body))
        if aiohttp_status != 200:
            return web.json_response({"error": "down"}, status=aiohttp_status)
        flagged = "hate" in body["input"]
        return web.json_response({"results": [{"flagged": flagged, "categories": {"hate": flagged, "violence": False},
                                               "category_scores": {"hate": 0.9 if flagged else 0.01,
                                                                   "violence": 0.02}}]})

    app = web.Application()
    app.router.add_post("/v1/moderations", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/v1", seen


async def test_endpoint_client_and_async_output_check():
    runner, url, seen = await _server()
    client = ModerationClient(ModerationConfig(base_url=url, api_key="k", model="m"))
    try:
        flagged = await client.moderate("some hate speech")
        assert [(t.code, t.label) for t in flagged] == [("moderation", "hate")]
        assert await client.moderate("hello") == []
        triggers = await check_output_async("nice hate text", None, moderation_client=client)
        assert [t.label for t in triggers] == ["hate"]
        assert seen[0] == ("Bearer k", {"model": "m", "input": "some hate speech"})
    finally:
        await client.close()
        await runner.cleanup()


async def test_endpoint_failure_falls_back_to_lexicon():
    runner, url, _ = await _server(aiohttp_status=500)
    client = ModerationClient(ModerationConfig(base_url=url))
    try:
        (t,) = await client.moderate("you should kill yourself")
        assert t.label == "self_harm" and "fallback" in (t.detail or "")
    finally:
        await client.close()
        await runner.cleanup()

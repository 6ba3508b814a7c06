"""Streamed generations reach only the asker's ``llm:stream`` channel, chunk by chunk."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from apps.llm.models import LlmRequest
from apps.llm.streaming import stream_to_user
from storyportal.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def _cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def _subscribed(user: Any) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/feed/", headers=[ORIGIN, await sync_to_async(_cookie)(user)])
    assert (await communicator.connect(timeout=5))[0]
    await communicator.send_json_to({"action": "subscribe", "channels": ["llm:stream"]})
    await communicator.receive_json_from(timeout=5)
    return communicator


def _collect(user: Any, other: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], bool]:
    async def scenario() -> tuple[list[dict[str, Any]], bool]:
        mine, theirs = await _subscribed(user), await _subscribed(other)
        await sync_to_async(stream_to_user)(user_id=user.pk, **kwargs)
        received = []
        while not received or received[-1]["type"] not in {"LlmDone", "LlmError"}:
            received.append(await mine.receive_json_from(timeout=5))
        leaked = not await theirs.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()
        return received, leaked

    return async_to_sync(scenario)()


def test_tokens_arrive_in_chunks_then_the_counts(ollama_server, settings, operator_user, viewer_user) -> None:
    settings.OLLAMA_URL = ollama_server.url
    ollama_server.reply("story", "Once upon a time there was a platform that answered in pieces.")
    ollama_server.chunk_delay = 0.06
    request_id = str(uuid.uuid4())
    received, leaked = _collect(operator_user, viewer_user, request_id=request_id, caller="user:otto",
                                kind="generate", payload={"prompt": "Tell a story"})  # fmt: skip
    tokens = [m for m in received if m["type"] == "LlmToken"]
    assert len(tokens) > 1
    assert (
        "".join(m["payload"]["text"] for m in tokens)
        == "Once upon a time there was a platform that answered in pieces."
    )
    done = received[-1]["payload"]
    assert (done["request_id"], done["model"]) == (request_id, "llama2:7b")
    assert done["completion_tokens"] > 0
    assert done["ttft_ms"] is not None
    assert not leaked  # another person's socket saw nothing
    row = LlmRequest.objects.get(pk=request_id)
    assert (row.status, row.user, row.ttft_ms is not None) == ("succeeded", operator_user, True)


def test_a_missing_model_ends_the_stream_with_an_error(ollama_server, settings, operator_user, viewer_user) -> None:
    settings.OLLAMA_URL = ollama_server.url
    payload = {"messages": [{"role": "user", "content": "hi"}]}
    received, _ = _collect(operator_user, viewer_user, request_id=str(uuid.uuid4()), caller="user:otto",
                           kind="chat", payload=payload, model="nope:1b")  # fmt: skip
    assert received[-1]["type"] == "LlmError"
    assert received[-1]["payload"]["status"] == 404

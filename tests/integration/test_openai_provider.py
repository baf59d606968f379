"""The `openai` provider through the real `openai` client against a local OpenAI-compatible server."""

import time

import pytest

from app.generation.agents import PipelineContext, get_agent
from app.generation.agents.base import STREAM_EVENT_INTERVAL_S
from app.generation.providers import Budget, BudgetExceeded, ProviderError, Task, make_provider
from app.generation.providers.pricing import cost_of
from tests.openai_server import Reply


def provider(server, **options):
    return make_provider("openai", api_key="sk-test", base_url=server.base_url, model="gpt-4o-mini",
                         **{"timeout_s": 5, "max_retries": 2, **options})


def task(text="hi"):
    return Task("coder", "file", [{"role": "user", "content": text}])


class Events(list):
    def __call__(self, **event):
        self.append(event)


def context(server, events=None, **options):
    return PipelineContext(job_id="j1", request={"template_id": "fastapi-backend", "name": "todo-api",
                                                 "description": "Track tasks"},
                           provider=provider(server), emit=events if events is not None else Events(), **options)


def test_streaming_text_usage_and_cost(llm_server):
    llm_server.script(Reply(text="hello streaming world", usage=(1200, 300), chunk_size=4))
    pieces = []

    completion = provider(llm_server).complete(task(), on_text=pieces.append)

    assert completion.text == "hello streaming world"
    assert len(pieces) > 3 and "".join(pieces) == completion.text
    assert (completion.usage.tokens_in, completion.usage.tokens_out) == (1200, 300)
    assert completion.usage.cost_usd == pytest.approx(cost_of("gpt-4o-mini", 1200, 300))
    assert completion.usage.cost_usd > 0
    assert llm_server.requests[0]["stream"] is True
    assert llm_server.requests[0]["model"] == "gpt-4o-mini"


def test_a_429_is_retried_after_its_retry_after(llm_server):
    llm_server.script(Reply(status=429, headers={"Retry-After": "1"}), Reply(text="ok"))

    assert provider(llm_server).complete(task()).text == "ok"
    assert len(llm_server.requests) == 2
    assert llm_server.times[1] - llm_server.times[0] >= 0.9


def test_a_500_is_retried(llm_server):
    llm_server.script(Reply(status=500), Reply(text="recovered"))

    assert provider(llm_server).complete(task()).text == "recovered"
    assert len(llm_server.requests) == 2


def test_spent_retries_give_a_clear_error(llm_server):
    llm_server.script(*[Reply(status=503)] * 3)

    with pytest.raises(ProviderError, match="answered 503 after 2 retries"):
        provider(llm_server).complete(task())
    assert len(llm_server.requests) == 3


def test_a_timeout_is_retried_then_reported(llm_server):
    llm_server.script(Reply(text="late", delay_s=1.5), Reply(text="late", delay_s=1.5))

    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"(sent nothing for|answer took longer than) 0.5 s after 1 retry"):
        provider(llm_server, timeout_s=0.5, max_retries=1).complete(task())
    assert time.monotonic() - started < 10


def test_invalid_json_is_asked_again_and_the_valid_answer_is_used(llm_server):
    llm_server.script(
        Reply(text="Sure! Here are the entities you need."),
        Reply(text='```json\n{"entities": [{"name": "Task", "fields": [{"name": "title", "type": "str"}]}], '
                   '"features": ["auth", "teleport"]}\n```'),
    )
    events = Events()
    ctx = context(llm_server, events)

    get_agent("planner").run(ctx)

    assert [e.name for e in ctx.spec.entities] == ["Task"]
    assert ctx.spec.features == ["auth", "tests"]  # the model's added to none given, an unknown one dropped
    assert len(llm_server.requests) == 2
    assert "did not fit" in llm_server.requests[1]["messages"][-1]["content"]
    assert ctx.usage_by_agent["planner"].tokens == 300 and ctx.calls_by_agent["planner"] == 2


def test_a_repair_answer_cannot_write_outside_the_project(llm_server):
    evil = "../../etc/evil.py\n<<<<<<< SEARCH\n=======\nx = 1\n>>>>>>> REPLACE\n"
    fixed = "app/main.py\n<<<<<<< SEARCH\nbroken(\n=======\nfixed = True\n>>>>>>> REPLACE\n"
    llm_server.script(Reply(text=evil), Reply(text=fixed))
    events = Events()
    ctx = context(llm_server, events)
    ctx.files = {"app/main.py": "broken(\n"}

    changed = get_agent("coder").repair(ctx, "app/main.py: syntax error")

    assert changed == ["app/main.py"]
    assert ctx.files == {"app/main.py": "fixed = True\n"}
    retried = [e["message"] for e in events if e["status"] == "retrying"]
    assert len(retried) == 1 and "climbs out" in retried[0]
    assert "climbs out" in llm_server.requests[1]["messages"][-1]["content"]


def test_the_budget_stops_further_calls(llm_server):
    llm_server.script(Reply(text='{"entities": [], "features": []}', usage=(900, 200)))
    ctx = context(llm_server, budget=Budget(max_tokens=1000))

    with pytest.raises(BudgetExceeded, match="token budget spent: 1,100 of max_tokens 1,000"):
        get_agent("planner").run(ctx)
    with pytest.raises(BudgetExceeded):
        get_agent("planner").run(ctx)
    assert len(llm_server.requests) == 1


def test_streamed_text_is_coalesced_into_few_events(llm_server):
    llm_server.script(Reply(text='{"entities": [], "features": []}' + " " * 400, chunk_size=1))
    events = Events()
    started = time.monotonic()

    get_agent("planner").run(context(llm_server, events))

    streamed = [e for e in events if e["type"] == "log" and e["data"].get("stream")]
    elapsed = time.monotonic() - started
    assert 1 <= len(streamed) <= elapsed / STREAM_EVENT_INTERVAL_S + 2
    assert "".join(e["message"] for e in streamed).startswith('{"entities"')

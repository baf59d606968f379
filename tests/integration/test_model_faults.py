"""Every way a model endpoint fails ends within its limit, with a truthful reason and its cost counted.

The real `openai` client talks to a local OpenAI-compatible server that plays each fault."""

import threading
import time

import pytest

from app.generation.agents import PipelineContext, get_agent
from app.generation.agents.base import JobCancelled, strip_fences
from app.generation.providers import Budget, BudgetExceeded, ProviderError, Task, make_provider
from app.generation.providers.base import CallControl
from tests.openai_server import Reply


def provider(server, **options):
    return make_provider("openai", api_key="sk-test", base_url=server.base_url,
                         **{"model": "gpt-4o-mini", "timeout_s": 5, "max_retries": 2, **options})


def ask(server, control=None, **options):
    return provider(server, **options).complete(Task("coder", "edit", [{"role": "user", "content": "hi"}]),
                                                control=control)


def test_a_dropped_stream_is_retried_and_the_whole_answer_used(llm_server):
    llm_server.script(Reply(text="partial answer that never ends", drop_after=1), Reply(text="the whole answer"))

    completion = ask(llm_server)

    assert completion.text == "the whole answer"
    assert completion.attempts == 2 and len(llm_server.requests) == 2


def test_an_error_event_inside_the_stream_is_retried(llm_server):
    llm_server.script(Reply(text="abc", error_event="overloaded"), Reply(text="fine"))

    assert ask(llm_server).text == "fine"
    assert len(llm_server.requests) == 2


def test_spent_retries_say_how_many_were_made_and_what_failed(llm_server):
    llm_server.script(*[Reply(text="x" * 40, drop_after=1)] * 3)

    with pytest.raises(ProviderError, match="stream ended before the answer did after 2 retries") as raised:
        ask(llm_server)
    assert len(llm_server.requests) == 3
    assert raised.value.usage is not None and raised.value.usage.tokens_out > 0  # the failed calls are paid for


def test_a_stall_is_cut_at_the_call_timeout(llm_server):
    llm_server.script(Reply(text="slow" * 10, chunk_size=4, stall_s=3), Reply(text="fast"))

    started = time.monotonic()
    completion = ask(llm_server, timeout_s=1)

    assert completion.text == "fast"
    assert time.monotonic() - started < 3  # the stall did not hold the call


def test_a_dead_endpoint_fails_quickly_with_a_clear_reason():
    dead = make_provider("openai", api_key="sk-test", base_url="http://127.0.0.1:9/v1", timeout_s=2, max_retries=1)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"dropped connection.*after 1 retry"):
        dead.complete(Task("coder", "edit", [{"role": "user", "content": "hi"}]))
    assert time.monotonic() - started < 10


def test_a_truncated_answer_is_continued_and_joined(llm_server):
    llm_server.script(Reply(text="first half, ", finish_reason="length"), Reply(text="second half"))

    completion = ask(llm_server)

    assert completion.text == "first half, second half"
    continuation = llm_server.requests[1]["messages"]
    assert continuation[-2] == {"role": "assistant", "content": "first half, "}
    assert "Continue exactly where it stopped" in continuation[-1]["content"]


def test_an_answer_cut_off_every_time_is_never_passed_on(llm_server):
    llm_server.script(*[Reply(text="more ", finish_reason="length")] * 3)

    with pytest.raises(ProviderError, match="cut off at its length limit 3 times"):
        ask(llm_server)


def test_a_huge_answer_is_cut_off_while_streaming(llm_server):
    llm_server.script(Reply(text="y" * 50_000, chunk_size=1000))

    with pytest.raises(ProviderError, match="size limit of 10,000 characters"):
        ask(llm_server, control=CallControl(max_answer_chars=10_000))
    assert len(llm_server.requests) == 1  # not retried: the same model would answer the same


def test_a_cancel_interrupts_a_call_in_flight(llm_server):
    llm_server.script(Reply(text="slow" * 10, chunk_size=4, stall_s=20))
    cancelled = threading.Event()
    threading.Timer(0.5, cancelled.set).start()
    ctx = PipelineContext(job_id="j", request={}, provider=provider(llm_server, timeout_s=60), emit=lambda **e: None,
                          is_cancelled=cancelled.is_set)

    started = time.monotonic()
    with pytest.raises(JobCancelled):
        get_agent("coder").ask(ctx, Task("coder", "edit", [{"role": "user", "content": "hi"}]))
    assert time.monotonic() - started < 5


def test_the_job_deadline_bounds_every_call(llm_server):
    llm_server.script(Reply(text="slow" * 10, chunk_size=4, stall_s=20), Reply(text="slow", stall_s=20))
    ctx = PipelineContext(job_id="j", request={}, provider=provider(llm_server, timeout_s=60, max_retries=3),
                          emit=lambda **e: None, deadline=time.monotonic() + 2)

    started = time.monotonic()
    with pytest.raises(ProviderError):
        get_agent("coder").ask(ctx, Task("coder", "edit", [{"role": "user", "content": "hi"}]))
    assert time.monotonic() - started < 6


def test_an_unknown_model_has_an_unknown_cost_and_a_cost_cap_stops_it(llm_server):
    llm_server.script(Reply(text="ok", usage=(1000, 1000)), Reply(text="ok"))
    ctx = PipelineContext(job_id="j", request={}, provider=provider(llm_server, model="my-local-llama"),
                          emit=lambda **e: None, budget=Budget(max_cost_usd=1.0))

    with pytest.raises(BudgetExceeded, match="no known price"):
        get_agent("coder").ask(ctx, Task("coder", "edit", [{"role": "user", "content": "hi"}]))
    assert ctx.budget.spent.known_cost is None and ctx.budget.spent.tokens == 2000


def test_a_configured_price_makes_the_cost_known(llm_server):
    llm_server.script(Reply(text="ok", usage=(1_000_000, 0)))

    completion = ask(llm_server, model="my-local-llama", prices={"my-local-llama": (2.0, 4.0)})

    assert completion.usage.known_cost == pytest.approx(2.0)


@pytest.mark.parametrize(("answer", "expected"), [("```python\nprint(1)\n```", "print(1)"), ("  ```\nx\n```\n", "x")])
def test_a_whole_fenced_answer_loses_its_fence(answer, expected):
    assert strip_fences(answer) == expected


@pytest.mark.parametrize("answer", [
    "Here it is:\n```python\nprint(1)\n```\nand more",
    "# README\n\n```bash\nmake\n```\n\nText after the block.\n",  # a README is not cut to its first block
    "```\na\n```\n\n```\nb\n```",
])
def test_an_answer_with_fences_inside_is_kept_whole(answer):
    assert strip_fences(answer) == answer


def test_a_re_ask_never_echoes_a_huge_answer_back(llm_server):
    llm_server.script(Reply(text="{" + "x" * 200_000, chunk_size=20_000),
                      Reply(text='{"entities": [], "features": []}'))
    ctx = PipelineContext(job_id="j", request={"template_id": "fastapi-backend", "name": "todo-api",
                                               "description": "Tasks"}, provider=provider(llm_server),
                          emit=lambda **e: None)

    get_agent("planner").run(ctx)

    re_ask = llm_server.requests[1]["messages"]
    assert sum(len(m["content"]) for m in re_ask) < 30_000  # the first answer is quoted, not repeated in full
    assert "more characters]" in re_ask[-2]["content"]

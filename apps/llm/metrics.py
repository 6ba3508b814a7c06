"""Prometheus metrics of the model gateway (served by ``/metrics``)."""

from prometheus_client import Counter, Histogram

LLM_REQUESTS = Counter(
    "storyportal_llm_requests_total", "Model calls through the gateway.", ["kind", "model", "status"]
)
LLM_TOKENS = Counter("storyportal_llm_tokens_total", "Tokens in and out of model calls.", ["model", "direction"])
LLM_LATENCY = Histogram(
    "storyportal_llm_request_duration_seconds",
    "Time a model call took.",
    ["kind", "model"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)

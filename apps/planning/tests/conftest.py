from apps.planning.tests.support import ollama, operator_client  # noqa: F401

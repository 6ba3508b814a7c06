from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    """The evaluator (L06): outputs scored by deterministic checks and a model judge."""

    name = "apps.evaluation"
    label = "evaluation"
    verbose_name = "Evaluator (L06)"

from django.apps import AppConfig


class LearningConfig(AppConfig):
    """Learning (L07): feedback on outputs, datasets for fine-tuning, versioned prompts."""

    name = "apps.learning"
    label = "learning"
    verbose_name = "Learning (L07)"

"""Learning (L07): feedback on runs and model calls, and versioned prompt templates."""

from apps.learning.models.feedback import SCORE_MAX, SCORE_MIN, Feedback, SubjectType
from apps.learning.models.prompts import PromptTemplate, PromptUse, PromptVersion

__all__ = ["SCORE_MAX", "SCORE_MIN", "Feedback", "PromptTemplate", "PromptUse", "PromptVersion", "SubjectType"]

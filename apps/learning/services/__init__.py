"""Writes of the learning layer: feedback, and prompt templates with their versions."""

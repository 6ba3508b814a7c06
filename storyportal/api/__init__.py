"""Cross-cutting API plumbing: request ids, the error envelope, exception mapping."""

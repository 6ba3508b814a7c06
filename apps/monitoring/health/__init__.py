"""Health: dependency checks, a concurrent cached runner, and the layer registry."""

"""Settings split by environment: ``base`` plus ``dev``, ``test`` or ``prod``."""

"""Production settings plus the benchmark's URLconf (a bare DRF view to compare against).

Everything else, secrets included, comes from the environment exactly as in production.
"""

from storyportal.settings.prod import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

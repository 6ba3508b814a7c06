#!/usr/bin/env python
"""Django's command-line utility for Story Portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storyportal.settings.dev")
    from django.core.management import call_command, execute_from_command_line

    if sys.argv[1:2] == ["version"]:
        # Django answers a bare `version` itself with its own version; ours reports the platform.
        import django

        django.setup()
        call_command("version", *sys.argv[2:])
        return
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

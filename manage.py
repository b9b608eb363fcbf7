#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")
    # manage.py is the developer's tool: development mode unless the environment says otherwise. gunicorn
    # and Celery load the settings without it and keep DEBUG off; production's .env sets DEBUG=false.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

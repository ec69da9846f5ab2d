#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livrili.settings")
    # Management commands on a developer machine default to debug (no secret key needed);
    # the Docker image and production set DJANGO_DEBUG=0 explicitly.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

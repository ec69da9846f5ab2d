"""Checks run by `manage.py check_ledgers`. Any app may add a `ledger_checks.py` module with
a `CHECKS` list of functions returning a list of problem descriptions (empty when sound)."""

from .selectors import ledger_mismatches

CHECKS = [ledger_mismatches]

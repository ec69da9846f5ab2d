"""Bounds every input is held to, whichever door it comes through (API, admin, file imports)."""

# PostgreSQL column ranges (SQLite is wider; every backend is held to these).
INT_MAX = 2_147_483_647
INT_MIN = -2_147_483_648
SMALLINT_MAX = 32_767

# Free-text bounds (TextField columns; docs/decisions.md).
SHORT_TEXT = 1000  # a reason, a note, delivery instructions
ADDRESS_TEXT = 1000
LONG_TEXT = 5000  # descriptions, internal notes

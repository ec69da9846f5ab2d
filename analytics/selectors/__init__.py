"""Analytics reads: every figure is one SQL aggregate over stored rows (never a Python loop
over rows); `dashboard.py` for the operator dashboard, `reports.py` for the reports."""

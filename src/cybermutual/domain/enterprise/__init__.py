"""Enterprises: worker co-operatives and firms on the collective's ledger (issue 14).

- ``kinds``: the enterprise, roles and what each may do (``PERMISSIONS``), the capital rule;
- ``contracts``: contracts, hours logged and approved (``HOURS_TRANSITIONS``), exact wages;
- ``pay``: pay periods, the loss rule, the reserve, merit shares and vested equity;
- ``reports``: wage share, pay ratio, Gini of income, owner-workers, automation per worker.
"""

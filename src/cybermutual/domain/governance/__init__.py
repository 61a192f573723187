"""Governance: pure rules for deciding together (participatory budgeting so far)."""

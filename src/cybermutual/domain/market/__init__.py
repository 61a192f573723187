"""The market: listings, orders with escrow, quotes, tasks, disputes, reviews, inbox events.

Pure values and state machines; the services move the money (through ``Books``) and store them.
"""

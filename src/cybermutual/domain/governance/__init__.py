"""Self-government: proposals with typed effects, votes with liquid delegation, decisions, and
participatory budgeting.

- ``kinds``: what a proposal may ask for, its params validated into a typed effect;
- ``proposals``: the proposal and its state machine (``TRANSITIONS``);
- ``tally``: counting ballots with delegation; ``decision``: quorum, threshold, supermajority;
- ``periods``, ``basic_income``, ``public_services``, ``admission``: the rules the effects set
  running, applied each period by the services' ``tick``;
- ``budgeting``, ``equal_shares``, ``pabulib``: participatory budgeting rules and files.

Everything here is pure: time comes in as arguments, nothing is read or written.
"""

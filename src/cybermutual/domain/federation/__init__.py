"""Federation (issue 17): links between collectives, exact rates, cross-server payments.

``rate``: the exchange rate as an exact fraction and its one rounding rule; ``links``: a link's
states and limits; ``payments``: the two-phase cross-payment state machines of both sides;
``messages``: the canonical bytes servers sign and the freshness rule for replays. Pure: the
signatures themselves are made and checked by a service port.
"""

"""Simon's (1955) growth process: the stochastic model behind the referral rule of job search.

Units (workers) arrive one at a time. With probability ``entry`` a newcomer founds a new firm;
otherwise it joins the firm of a uniformly chosen earlier unit, so a firm grows in proportion to
its size (a random acquaintance's employer, as in :func:`cybermutual.sim.labour.search_jobs`).
The size distribution has a power-law tail ``P(size > k) ~ k^-rho`` with
``rho = 1 / (1 - entry)``: Zipf (``rho`` near 1) as entry becomes rare.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def simon_firm_sizes(units: int, entry: float, rng: np.random.Generator) -> IntArray:
    """Firm sizes after ``units`` arrivals of Simon's process with entry probability ``entry``."""
    if units < 1:
        raise ValueError("at least one unit is needed")
    if not 0.0 < entry < 1.0:
        raise ValueError("entry must be in (0, 1)")
    founds = rng.random(units) < entry
    founds[0] = True  # the first unit founds the first firm
    # an earlier unit for every joiner, drawn up front: floor(u * t) is uniform on 0..t-1
    earlier = np.floor(rng.random(units) * np.arange(units)).astype(np.int64)
    firm = np.empty(units, dtype=np.int64)
    new_id = np.cumsum(founds) - 1
    for t in range(units):  # sequential by nature: a joiner copies an earlier unit's firm
        firm[t] = new_id[t] if founds[t] else firm[earlier[t]]
    return np.bincount(firm).astype(np.int64)

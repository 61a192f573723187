"""Seeds run on a Dask cluster give exactly what they give in a local process pool."""

from __future__ import annotations

import pytest

from cybermutual.sim.runner import compare_regimes

distributed = pytest.importorskip("distributed")


def test_compare_on_a_local_dask_cluster_matches_local_runs() -> None:
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        remote = compare_regimes(
            agents=150,
            steps=6,
            seeds=2,
            regimes=("capitalism", "cybermutualism"),
            cluster=cluster.scheduler_address,
        )
    local = compare_regimes(
        agents=150, steps=6, seeds=2, regimes=("capitalism", "cybermutualism"), workers=2
    )
    for regime in ("capitalism", "cybermutualism"):
        for a, b in zip(remote.runs[regime], local.runs[regime], strict=True):
            assert a.task.seed == b.task.seed
            assert a.table().equals(b.table())

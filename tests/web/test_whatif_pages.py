"""The what-if pages without a browser: the form, its refusals, the progress while the simulator
runs, and the plots and figures of an estimate (or the reason there is none)."""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI

from cybermutual.domain.errors import InvalidValue
from cybermutual.services.auth import Scope
from cybermutual.services.container import Services
from cybermutual.services.estimate_jobs import EstimateJobs
from cybermutual.services.policy_impact import PolicyChange, PolicyImpactService
from cybermutual.services.simulation_pool import SimulationJob, SimulationPool
from cybermutual.web.pages.whatif import read_estimate
from tests.helpers import FakeClock
from tests.integration.test_policy_impact import trading
from tests.web.helpers import Visitor, text_of

SMALL = {"levy_rate": "20", "seeds": "4", "steps": "13"}


def alert(page: Any) -> str:
    """Every refusal shown on the page (``role="alert"``), whole, as text."""
    found = re.findall(r'role="alert"[^>]*>(.*?)</(?:div|small)>', page.text, flags=re.S)
    assert found, f"no refusal on the page:\n{page.text[:2000]}"
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", f).strip() for f in found))


class WhatIf:
    """A trading collective (six members through the services) and Grace, a member (pages)."""

    def __init__(self, services: Services, visitor: Visitor) -> None:
        self.services = services
        self.slug, _ = trading(services)
        self.path = f"/c/{self.slug}/what-if"
        self.me = visitor
        assert self.me.submit(f"/c/{self.slug}/join").status_code == 303

    def run(self, form: dict[str, str]) -> str:
        reply = self.me.submit(self.path, form)
        assert reply.status_code == 303, reply.text
        location: str = reply.headers["location"]
        return location

    @property
    def my_id(self) -> str:
        session = self.me.client.cookies.get("cm_session")
        assert session is not None
        return self.services.auth.authenticate(session, scope=Scope.WEB).id

    def finished(self, location: str) -> Any:
        """The estimate's page once its runs are over."""
        estimate_id = location.rsplit("/", 1)[-1]
        self.services.estimates.wait(self.slug, estimate_id, member_id=self.my_id, timeout=120)
        return self.me.get(location)


@pytest.fixture
def whatif(sqlite_services: Services, visitor: Callable[..., Visitor]) -> WhatIf:
    return WhatIf(sqlite_services, visitor("Grace"))


class _Held(PolicyImpactService):
    """Runs held until the test lets them finish; ``outcome`` is what they end with."""

    def __init__(self, *args: Any, outcome: Callable[[], Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.release = threading.Event()
        self.outcome = outcome

    def submit(self, slug: str, change: PolicyChange, **kw: Any) -> SimulationJob[Any]:
        self._prepare(slug, change, kw["viewer_id"], seeds=kw["seeds"], steps=kw["steps"])

        def work(job: SimulationJob[Any]) -> Any:
            for _ in range(kw["seeds"] * kw["steps"]):  # half of the planned steps
                job.check()
            self.release.wait(timeout=60)
            return self.outcome()

        return self.pool.submit(kw["viewer_id"], work)


def _held(app: FastAPI, services: Services, clock: FakeClock, outcome: Callable[[], Any]) -> _Held:
    impact = _Held(services.uow, clock=clock, pool=SimulationPool(), outcome=outcome)
    app.state.services = replace(services, estimates=EstimateJobs(impact, clock=clock))
    return impact


# --- the form -----------------------------------------------------------------------------------


def test_signed_out_the_page_explains_and_offers_to_sign_in(app: FastAPI, whatif: WhatIf) -> None:
    page = Visitor(app, "Stranger").get(whatif.path)
    assert page.status_code == 200
    assert "Members of" in text_of(page)
    assert f"/signin?next={whatif.path}" in page.text
    assert "Run the estimate" not in page.text


def test_a_member_sees_the_form_with_today_s_settings(whatif: WhatIf) -> None:
    page = whatif.me.get(whatif.path)
    text = text_of(page)
    assert "Run the estimate" in text
    assert "Today: 2.00%" in text  # the collective's levy
    assert "Today: none" in text  # no basic income
    assert "Your recent estimates" not in text
    assert 'name="levy_rate"' in page.text
    assert 'aria-current="page">What if' in page.text


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({"levy_rate": "lots"}, "levy_rate", "enter a percentage"),
        ({"levy_rate": "100"}, "levy_rate", "below 1"),
        ({"basic_income": "1.234"}, "basic_income", "decimals"),
        ({"credit_limit": "-5"}, "credit_limit", "0 or more"),
        ({"service_budget": "x", "service_category": "health"}, "service_budget", "not a number"),
        ({"service_budget": "50"}, "service_category", "name the service"),
        ({"steps": "3"}, "steps", "from 4 to 520"),
        ({"seeds": "zero"}, "seeds", "whole number"),
    ],
)
def test_a_bad_policy_is_refused_next_to_its_field(
    whatif: WhatIf, form: dict[str, str], field: str, said: str
) -> None:
    page = whatif.me.submit(whatif.path, {**SMALL, **form})
    assert page.status_code == 422
    assert f'id="e-{field}"' in page.text
    assert said in alert(page)
    for name, value in form.items():
        if name not in ("seeds", "steps"):  # a select offers only its own choices
            assert f'value="{value}"' in page.text


def test_an_estimate_too_large_for_the_server_is_refused(whatif: WhatIf) -> None:
    page = whatif.me.submit(whatif.path, {**SMALL, "seeds": "32", "steps": "520"})
    assert page.status_code == 422
    assert "fewer seeds or steps" in alert(page)


def test_only_members_run_estimates(app: FastAPI, whatif: WhatIf) -> None:
    outsider = Visitor(app, "Outsider").sign_up()
    page = outsider.submit(whatif.path, SMALL)
    assert page.status_code == 403
    assert alert(page)
    stranger = Visitor(app, "Stranger")
    reply = stranger.submit(whatif.path, SMALL)
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/signin")


# --- running and reading ------------------------------------------------------------------------


def test_a_member_runs_an_estimate_and_reads_its_plots_and_figures(whatif: WhatIf) -> None:
    location = whatif.run(SMALL)
    page = whatif.finished(location)
    assert page.status_code == 200
    text = text_of(page)
    assert "What if a levy of 20%?" in text
    assert "4 runs of 13 weeks" in text
    assert "uPlot.iife.min.js" in page.text
    charts = re.findall(r"data-series='([^']+)'", page.text)
    assert len(charts) >= 4  # consumption, two Ginis, the fund
    series = json.loads(html.unescape(charts[0]))
    assert series["x"][0] == 0
    assert series["x"][-1] == 13
    assert series["band"] == [2, 3]
    assert series["xlabel"] == "weeks from now"  # the x axis says what its numbers count
    middle, low, high = (line["y"] for line in series["lines"])
    assert all(lo <= mid <= hi for lo, mid, hi in zip(low, middle, high, strict=True))
    assert "Commons fund" in text
    assert "Inequality of income" in text
    assert re.search(r"\+[\d,.]+ HRS", text)  # a higher levy fills the fund
    assert " to " in text  # every figure with its interval
    assert "Try another" in text
    assert 'value="20"' in page.text  # the form again, as filled in
    back = text_of(whatif.me.get(whatif.path))
    assert "Your recent estimates" in back
    assert "What if a levy of 20%? · 4 runs of 13 weeks" in back
    assert "done" in back


def test_while_it_runs_the_page_shows_progress_and_reloads_when_done(
    app: FastAPI, whatif: WhatIf, sqlite_services: Services, clock: FakeClock
) -> None:
    result = {"steps": 13, "seeds": 4, "notes": ["a note"], "horizons": {}}
    impact = _held(app, sqlite_services, clock, lambda: result)
    location = whatif.run(SMALL)
    page = whatif.me.get(location)
    assert "Simulating" in text_of(page)
    assert 'hx-trigger="every 1s"' in page.text
    assert '<meta http-equiv="refresh"' in page.text  # without JavaScript too
    fragment = whatif.me.get(f"{location}/progress", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert re.search(r"Simulating… (\d+)% done", fragment.text)
    assert "HX-Refresh" not in fragment.headers
    impact.release.set()
    estimate_id = location.rsplit("/", 1)[-1]
    app.state.services.estimates.wait(whatif.slug, estimate_id, member_id=whatif.my_id, timeout=60)
    done = whatif.me.get(f"{location}/progress", headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"
    assert "Show the results" in done.text


def test_an_estimate_that_could_not_be_made_says_why(
    app: FastAPI, whatif: WhatIf, sqlite_services: Services, clock: FakeClock
) -> None:
    def refuse() -> Any:
        raise InvalidValue("the simulated collective trades 40% less than the real one")

    impact = _held(app, sqlite_services, clock, refuse)
    impact.release.set()
    location = whatif.run(SMALL)
    estimate_id = location.rsplit("/", 1)[-1]
    app.state.services.estimates.wait(whatif.slug, estimate_id, member_id=whatif.my_id, timeout=60)
    page = whatif.me.get(location)
    assert "trades 40% less" in alert(page)
    assert "data-series" not in page.text
    assert "Try another" in text_of(page)


def test_a_refusal_carried_in_the_result_is_shown(
    app: FastAPI, whatif: WhatIf, sqlite_services: Services, clock: FakeClock
) -> None:
    refused = {"steps": 13, "refusal": {"code": "calibration_mismatch", "detail": "misses by 30%"}}
    impact = _held(app, sqlite_services, clock, lambda: refused)
    impact.release.set()
    location = whatif.run(SMALL)
    estimate_id = location.rsplit("/", 1)[-1]
    app.state.services.estimates.wait(whatif.slug, estimate_id, member_id=whatif.my_id, timeout=60)
    page = whatif.me.get(location)
    assert "misses by 30%" in alert(page)


def test_someone_else_s_or_a_forgotten_estimate_is_a_friendly_404(
    app: FastAPI, whatif: WhatIf
) -> None:
    location = whatif.run(SMALL)
    other = Visitor(app, "Linus").sign_up()
    other.submit(f"/c/{whatif.slug}/join")
    for path in (location, f"{location}/progress", f"{whatif.path}/no-such-estimate"):
        page = other.get(path)
        assert page.status_code == 404
        assert "Page not found" in page.text
    whatif.finished(location)


# --- the one reader of the estimate -------------------------------------------------------------


def _change(mid: float) -> dict[str, dict[str, float]]:
    return {
        "without": {"mean": 1.0, "low": 0.9, "high": 1.1},
        "with_policy": {"mean": 1.0 + mid, "low": 0.9 + mid, "high": 1.1 + mid},
        "change": {"mean": mid, "low": mid - 0.1, "high": mid + 0.1},
    }


def test_the_reader_takes_today_s_estimate_and_the_one_with_horizons() -> None:
    today = read_estimate({"steps": 52, "seeds": 8, "gini_income": _change(0.02), "notes": []})
    assert [m.key for m in today.metrics] == ["gini_income"]
    assert [p.weeks for p in today.metrics[0].points] == [52]
    assert today.refusal is None
    horizons = read_estimate(
        {
            "steps": 260,
            "gini_income": _change(0.03),
            "horizons": {
                "260": {"gini_income": _change(0.03)},
                "13": {"gini_income": _change(0.01)},
                "52": {"gini_income": _change(0.02)},
            },
            "interval": "90% of 8 draws",
        }
    )
    points = horizons.metrics[0].points
    assert [p.weeks for p in points] == [13, 52, 260]
    assert points[0].change.mid == pytest.approx(0.01)
    assert horizons.interval == "90% of 8 draws"
    assert read_estimate({"refusal": "no trade to learn from"}).refusal == "no trade to learn from"


def test_money_is_plotted_in_the_currency_s_units() -> None:
    fund = {
        "without": {"mean": 0, "low": 0, "high": 0},
        "with_policy": {"mean": 1500, "low": 1400, "high": 1600},
        "change": {"mean": 1500, "low": 1400, "high": 1600},
    }
    view = read_estimate({"steps": 13, "commons_fund": fund})
    series = json.loads(view.metrics[0].series(decimals=2))
    assert series["x"] == [0, 13]
    assert [line["y"] for line in series["lines"]] == [[0, 15.0], [0, 14.0], [0, 16.0]]

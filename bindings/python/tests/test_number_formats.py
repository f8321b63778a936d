"""number_format as a list from Python (issue 21): a str or a list, through Client and Config,
against a simulator that matches contact_number exactly as stored (only nationally here)."""

from __future__ import annotations

from typing import Iterator

import pytest

from conftest import Simulator

SCENARIOS = """
[settings]
contact_match = "exact"

[[number]]
number = "5551230001"
[[number.callback]]
call_request_id = "n1"
type = "ASAP"
status = "waitlisted"
forecast_waitlist_position = "3"
estimated_wait_time = "600"
"""


@pytest.fixture(scope="module")
def national_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    path = tmp_path_factory.mktemp("formats") / "national.toml"
    path.write_text(SCENARIOS, encoding="utf-8")
    sim = Simulator(path)
    yield sim
    sim.stop()


@pytest.mark.parametrize("formats", [["e164", "national"], ("e164", "national"), "e164,national"])
def test_a_list_or_a_string_finds_what_only_one_format_stores(cbstatus, national_sim, formats):
    with cbstatus.Client(api_url=national_sim.url, number_format=formats, breaker_threshold=0) as c:
        with c.lookup("+1 555 123 0001") as result:
            assert result.found
        stats = c.stats()
    assert stats["found_by_format"] == {"e164": 0, "digits": 0, "national": 1}


def test_e164_alone_misses_it_and_config_takes_the_list_too(cbstatus, national_sim):
    with cbstatus.Client(api_url=national_sim.url, breaker_threshold=0) as c:
        with c.lookup("5551230001") as result:
            assert not result.found
    config = cbstatus.Config(api_url=national_sim.url, number_format=["national"])
    with cbstatus.Client(config) as c:
        with c.lookup("5551230001") as result:
            assert result.found


@pytest.mark.parametrize(
    "bad, says",
    [("e164,e164", "lists e164 twice"), (["e164", "internatonal"], "not a number format")],
)
def test_bad_lists_are_refused_saying_why(cbstatus, bad, says):
    with pytest.raises(cbstatus.ConfigError) as caught:
        cbstatus.Config(number_format=bad)
    assert says in str(caught.value)


@pytest.mark.parametrize("bad", [[], ["e164,national"], ["e164", 1]])
def test_lists_that_are_not_names_are_refused_before_the_library(cbstatus, bad):
    with pytest.raises(ValueError):
        cbstatus.Config(number_format=bad)

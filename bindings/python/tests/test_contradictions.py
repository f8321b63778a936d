"""Settings and numbers that contradict themselves (issue 19, class 6), from Python."""

from __future__ import annotations

import pytest

PREFIX = "a cbstatus setting has an invalid value"


@pytest.mark.parametrize("minimum,maximum", [("30", "10"), ("10", "10"), ("120", None)])
def test_eta_minimum_at_or_above_the_maximum_is_refused_naming_both(cbstatus, simulator, minimum, maximum):
    cfg = cbstatus.Config(api_url=simulator.url, eta_min_minutes=minimum)
    if maximum is not None:
        cfg.set("eta_max_minutes", maximum)  # each setting alone is fine
    with pytest.raises(cbstatus.ConfigError) as refused:
        cbstatus.Client(cfg)
    said = str(refused.value)
    assert f"eta_min_minutes ({minimum})" in said and f"eta_max_minutes ({maximum or 90}" in said, said


@pytest.mark.parametrize("maximum", ["none", "0", "120"])
def test_agreeing_or_open_eta_bounds_load(cbstatus, simulator, maximum):
    with cbstatus.Client(api_url=simulator.url, eta_min_minutes="100", eta_max_minutes=maximum):
        pass


def test_config_file_errors_say_their_prefix_once(cbstatus, tmp_path):
    for name, text in [
        ("placeholder", '[templates.en-US]\nasap_position = "{nope}"\n'),
        ("not-string", "[templates.en-US]\nasap_position = 5\n"),
        ("eta", "eta_min_minutes = 30\neta_max_minutes = 10\n"),
    ]:
        path = tmp_path / f"{name}.toml"
        path.write_text(text)
        with pytest.raises(cbstatus.ConfigError) as refused:
            cbstatus.Config().load_file(str(path))
        said = str(refused.value)
        assert said.count(PREFIX) == 1 and said.count(str(path)) == 1, said


@pytest.mark.parametrize("number", ["+1 555 123 0001 / 02", "5551230001/5551230002"])
def test_two_numbers_joined_by_a_slash_are_refused(client, cbstatus, number):
    r = client.lookup(number)
    assert isinstance(r.error, cbstatus.InvalidNumber), r
    assert "two numbers" in r.error.message
    assert r.number is None and not r.found

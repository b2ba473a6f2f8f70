# MTA configuration from Python: dict settings load through mtad's YAML loader, so bad values
# fail the same way, naming the key.
import pytest

import mxlab


def test_settings_dict_sets_nested_fields():
    config = mxlab.mta_config({"retry": {"initial_interval": "100ms"}, "delivery": {"port": 2525}})

    assert config.retry.initial_interval.total_seconds() == pytest.approx(0.1)
    assert config.delivery.port == 2525


def test_unset_fields_keep_their_defaults():
    default = mxlab.MtaConfig()

    config = mxlab.mta_config({"hostname": "mta.example"})

    assert config.hostname == "mta.example"
    assert config.retry.multiplier == default.retry.multiplier


def test_bad_duration_raises_config_error_naming_the_key():
    with pytest.raises(mxlab.ConfigError) as info:
        mxlab.mta_config({"retry": {"initial_interval": "soon"}})

    assert info.value.key == "retry.initial_interval"
    assert "retry.initial_interval" in str(info.value)


def test_unknown_key_raises_config_error():
    with pytest.raises(mxlab.ConfigError) as info:
        mxlab.mta_config({"retry": {"initial_intervall": "1s"}})

    assert "initial_intervall" in str(info.value)


def test_yaml_rendering_round_trips_lists_of_sections():
    settings = {"listeners": [{"address": "127.0.0.1", "port": 0}], "resolver": {"nameservers": ["127.0.0.1:53"]}}

    config = mxlab.mta_config(settings)

    assert [(l.address, l.port) for l in config.listeners] == [("127.0.0.1", 0)]
    assert config.resolver.nameservers == ["127.0.0.1:53"]

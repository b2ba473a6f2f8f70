"""MTA configuration from Python dicts: settings are merged, rendered as YAML and loaded by the
daemon's own loader (_core.load_config_text), so validation and error messages match mtad's files.
"""
from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any, Mapping

from . import _core


def merge_settings(base: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict:
    """Deep-merges ``overrides`` into a copy of ``base``; nested dicts merge, the rest replace."""
    merged = copy.deepcopy(dict(base))
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_settings(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, timedelta):
        return f"{round(value.total_seconds() * 1000)}ms"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _emit(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, (Mapping, list, tuple)) and item:
                out.append(f"{pad}{key}:")
                _emit(item, indent + 2, out)
            else:
                out.append(f"{pad}{key}: {_scalar(item)}")
        return
    for item in value:  # a non-empty sequence
        if isinstance(item, Mapping) and item:
            lines: list[str] = []
            _emit(item, indent + 2, lines)
            lines[0] = f"{pad}- {lines[0][indent + 2:]}"
            out.extend(lines)
        else:
            out.append(f"{pad}- {_scalar(item)}")


def to_yaml(settings: Mapping[str, Any]) -> str:
    """Block-style YAML for an mtad config dict; timedelta values become "<n>ms"."""
    out: list[str] = []
    _emit(settings, 0, out)
    return "\n".join(out) + "\n"


def mta_config(settings: Mapping[str, Any] | None = None, name: str = "<python>") -> "_core.MtaConfig":
    """Builds an MtaConfig from a settings dict, e.g. {"retry": {"initial_interval": "100ms"}}.

    Raises ConfigError (with .file, .line and .key) exactly as mtad would for the same YAML.
    """
    return _core.load_config_text(to_yaml(settings or {}), name)


def plan_retries(retry: "Mapping[str, Any] | _core.MtaConfig | _core.RetryConfig", received, *,
                 attempt_duration: timedelta = timedelta(0), max_attempts: int = 100000) -> "_core.RetryPlan":
    """Every attempt time of a message received at ``received`` that fails every attempt, exactly as
    the scheduler computes them (retry.seed replays the jitter), up to retry.max_age.

    ``retry`` is a settings dict ({"retry": {...}} or just the retry section), an MtaConfig or a
    RetryConfig."""
    if isinstance(retry, Mapping):
        retry = mta_config(retry if "retry" in retry else {"retry": retry}).retry
    elif isinstance(retry, _core.MtaConfig):
        retry = retry.retry
    return _core.plan_retries(retry, received, attempt_duration, max_attempts)

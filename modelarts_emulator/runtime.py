"""Settings that change while the emulator runs (faults, lifecycle delays) and the call counters."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, fields, replace
from typing import Any

from modelarts_emulator.config import FaultSettings, LifecycleSettings
from modelarts_emulator.errors import ApiError, backend_unavailable, throttled


class ControlError(ValueError):
    """A control-API request with an unknown key or a value of the wrong kind."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _non_negative_number(name: str, value: Any) -> float:
    if not _is_number(value) or value < 0:
        raise ControlError(f"{name} must be a number >= 0")
    return float(value)


def _non_negative_int(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ControlError(f"{name} must be an integer >= 0")
    return value


def _share(name: str, value: Any) -> float:
    if not _is_number(value) or not 0 <= value <= 1:
        raise ControlError(f"{name} must be a number between 0 and 1")
    return float(value)


def _optional_rate(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if not _is_number(value) or value <= 0:
        raise ControlError(f"{name} must be null or a number > 0")
    return float(value)


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ControlError(f"{name} must be true or false")
    return value


_FAULT_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "latency_ms": _non_negative_int,
    "error_rate": _share,
    "throttle_rps": _optional_rate,
    "drop_create_responses": _non_negative_int,
    "stuck_creating": _boolean,
    "create_failed_rate": _share,
}
_LIFECYCLE_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    setting.name: _non_negative_number for setting in fields(LifecycleSettings)
}


def _validated_changes(
    values: dict[str, Any], validators: dict[str, Callable[[str, Any], Any]]
) -> dict[str, Any]:
    unknown = sorted(set(values) - set(validators))
    if unknown:
        raise ControlError(f"unknown keys {unknown}; known keys are {sorted(validators)}")
    return {name: validators[name](name, value) for name, value in values.items()}


class LifecycleState:
    def __init__(self, start_values: LifecycleSettings) -> None:
        _validated_changes(asdict(start_values), _LIFECYCLE_VALIDATORS)
        self._start_values = replace(start_values)
        self._current = replace(start_values)
        self._lock = threading.Lock()

    def current(self) -> LifecycleSettings:
        with self._lock:
            return replace(self._current)

    def update(self, values: dict[str, Any]) -> LifecycleSettings:
        changes = _validated_changes(values, _LIFECYCLE_VALIDATORS)
        with self._lock:
            self._current = replace(self._current, **changes)
            return replace(self._current)

    def reset(self) -> None:
        with self._lock:
            self._current = replace(self._start_values)


class FaultState:
    def __init__(self, start_values: FaultSettings) -> None:
        _validated_changes(asdict(start_values), _FAULT_VALIDATORS)
        self._start_values = replace(start_values)
        self._current = replace(start_values)
        self._lock = threading.Lock()
        self._throttle_tokens = 0.0
        self._throttle_checked_at = time.monotonic()
        self._refill_throttle_bucket()

    def _refill_throttle_bucket(self) -> None:
        rate = self._current.throttle_rps
        self._throttle_tokens = max(1.0, rate) if rate else 0.0
        self._throttle_checked_at = time.monotonic()

    def current(self) -> FaultSettings:
        with self._lock:
            return replace(self._current)

    def as_json(self) -> dict[str, Any]:
        return asdict(self.current())

    def update(self, values: dict[str, Any]) -> FaultSettings:
        changes = _validated_changes(values, _FAULT_VALIDATORS)
        with self._lock:
            self._current = replace(self._current, **changes)
            if "throttle_rps" in changes:
                self._refill_throttle_bucket()
            return replace(self._current)

    def reset(self) -> None:
        with self._lock:
            self._current = replace(self._start_values)
            self._refill_throttle_bucket()

    def _within_throttle(self) -> bool:
        rate = self._current.throttle_rps
        if rate is None:
            return True
        now = time.monotonic()
        capacity = max(1.0, rate)
        self._throttle_tokens = min(
            capacity, self._throttle_tokens + (now - self._throttle_checked_at) * rate
        )
        self._throttle_checked_at = now
        if self._throttle_tokens < 1.0:
            return False
        self._throttle_tokens -= 1.0
        return True

    def refusal_before_handling(self) -> ApiError | None:
        """The gateway's answer when a fault turns the call away before the service sees it."""
        with self._lock:
            if not self._within_throttle():
                return throttled()
            if random.random() < self._current.error_rate:
                return backend_unavailable()
        return None

    def take_dropped_create(self) -> bool:
        """True when this committed create must lose its answer (and counts it down)."""
        with self._lock:
            if self._current.drop_create_responses <= 0:
                return False
            self._current.drop_create_responses -= 1
            return True

    def latency_seconds(self) -> float:
        with self._lock:
            return self._current.latency_ms / 1000


class CallCounters:
    """Calls per route template ("POST /v1/{project_id}/dev-servers") and per answer status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def record(self, route_key: str, outcome: str) -> None:
        with self._lock:
            self._statuses[route_key][outcome] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            statuses = {key: dict(by_outcome) for key, by_outcome in self._statuses.items()}
        calls = {key: sum(by_outcome.values()) for key, by_outcome in statuses.items()}
        return {"calls": calls, "statuses": statuses}

    def reset(self) -> None:
        with self._lock:
            self._statuses.clear()

"""python -m modelarts_emulator --port 8900 [--host 127.0.0.1] [--store PATH] [--config PATH] [...]"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from dataclasses import fields, replace
from pathlib import Path
from types import FrameType

from modelarts_emulator.app import EmulatorApp
from modelarts_emulator.config import (
    ALL_PAGING_MODES,
    DEFAULT_STORE_PATH,
    BehaviourSettings,
    ConfigError,
    EmulatorConfig,
    FaultSettings,
    LifecycleSettings,
    load_config,
)
from modelarts_emulator.runtime import ControlError
from modelarts_emulator.server import EmulatorHTTPServer
from modelarts_emulator.store import Store


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m modelarts_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8900, help="0 picks a free port (printed on start)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind; loopback by default")
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE_PATH, help="sqlite3 file of the state")
    parser.add_argument("--config", type=Path, default=None, help="JSON file of projects and credentials")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    lifecycle = parser.add_argument_group("lifecycle delays in seconds")
    for setting in fields(LifecycleSettings):
        lifecycle.add_argument(_option(setting.name), type=float, default=None, dest=setting.name)
    faults = parser.add_argument_group("faults at start (also settable via PUT /_emulator/faults)")
    faults.add_argument("--latency-ms", type=int, default=None, dest="latency_ms")
    faults.add_argument("--error-rate", type=float, default=None, dest="error_rate")
    faults.add_argument("--throttle-rps", type=float, default=None, dest="throttle_rps")
    faults.add_argument("--drop-create-responses", type=int, default=None, dest="drop_create_responses")
    faults.add_argument("--stuck-creating", action="store_true", default=None, dest="stuck_creating")
    faults.add_argument("--create-failed-rate", type=float, default=None, dest="create_failed_rate")
    behaviour = parser.add_argument_group("behaviour where the documentation leaves it open")
    behaviour.add_argument(
        "--all-paging",
        choices=ALL_PAGING_MODES,
        default=None,
        dest="all_paging",
        help="offset (default): GET /dev-servers/all honours limit/offset; none: it answers every server at once",
    )
    return parser.parse_args(argv)


def _with_overrides(config: EmulatorConfig, arguments: argparse.Namespace) -> EmulatorConfig:
    """Command-line values win over the config file's start values."""

    def overrides(settings_class: type) -> dict[str, object]:
        given = {setting.name: getattr(arguments, setting.name) for setting in fields(settings_class)}
        return {name: value for name, value in given.items() if value is not None}

    return replace(
        config,
        lifecycle=replace(config.lifecycle, **overrides(LifecycleSettings)),
        faults=replace(config.faults, **overrides(FaultSettings)),
        behaviour=replace(config.behaviour, **overrides(BehaviourSettings)),
    )


def _stop_on_signal(signal_number: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    arguments = _parse_arguments(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=arguments.log_level, format="%(asctime)s %(levelname)s %(message)s")
    try:
        config = _with_overrides(load_config(arguments.config), arguments)
        app = EmulatorApp(config=config, store=Store(arguments.store))
    except (ConfigError, ControlError, ValueError, OSError) as error:  # bad config, flags or store path
        print(f"modelarts_emulator: cannot start: {error}", file=sys.stderr)
        return 2
    server = EmulatorHTTPServer((arguments.host, arguments.port), app)
    host, port = server.server_address[:2]
    print(f"ModelArts emulator listening on http://{host}:{port}", flush=True)
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _stop_on_signal)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass  # SIGINT or SIGTERM: the normal way to stop
    finally:
        server.server_close()
        app.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

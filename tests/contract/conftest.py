"""Fixtures of the contract suite: SDK clients on the shared emulator (the unpaged one is in tests/fixtures)."""

from __future__ import annotations

import pytest

from tests.contract.sdk import SdkClients, sdk_clients_for
from tests.fixtures.emulator import EmulatorHandle


@pytest.fixture
def sdk(emulator: EmulatorHandle) -> SdkClients:
    return sdk_clients_for(emulator)

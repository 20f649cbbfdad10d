"""Create the seed's example through Huawei's official SDK against a running emulator, and follow it.

    .venv/bin/python -m tests.contract.seed_create http://127.0.0.1:8900

The emulator that `./dev run` starts listens there; this is what a new user of the SDK would try first.
"""

from __future__ import annotations

import sys
import time

from huaweicloudsdkmodelarts.v1 import CreateDevServerRequest, ShowDevServerRequest

from tests.contract.sdk import sdk_clients_for, seed_create_body
from tests.fixtures.emulator import handle_for

FOLLOW_SECONDS = 60.0


def main(base_url: str) -> int:
    modelarts = sdk_clients_for(handle_for(base_url)).modelarts
    created = modelarts.create_dev_server(CreateDevServerRequest(body=seed_create_body()))
    print(f"created {created.name} {created.id}: {created.status}")
    started = time.monotonic()
    status = created.status
    while status == "CREATING" and time.monotonic() - started < FOLLOW_SECONDS:
        time.sleep(1)
        status = modelarts.show_dev_server(ShowDevServerRequest(id=created.id)).status
    print(f"{status} after {time.monotonic() - started:.1f} s")
    return 0 if status == "RUNNING" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8900"))

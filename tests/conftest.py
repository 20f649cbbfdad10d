pytest_plugins = ["tests.fixtures.emulator", "tests.fixtures.dashboard", "tests.fixtures.cloud"]

pytest_plugins = ["tests.fixtures.emulator", "tests.fixtures.dashboard", "tests.fixtures.cloud", "tests.oidc_provider.fixtures"]

from importlib import import_module

from django.apps import AppConfig

from devservers import checks  # noqa: F401  (registers the system checks)


class DevserversConfig(AppConfig):
    name = "devservers"
    verbose_name = "DevServers"

    def ready(self) -> None:
        # Every process (web, worker, beat, management commands) hears every DevServer write. The
        # receivers import the models, so they load here, once the app registry is ready.
        import_module("devservers.push.receivers")

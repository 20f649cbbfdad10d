from django.apps import AppConfig

from devservers import checks  # noqa: F401  (registers the system checks)


class DevserversConfig(AppConfig):
    name = "devservers"
    verbose_name = "DevServers"

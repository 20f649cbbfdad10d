from django.apps import AppConfig


class DevserversConfig(AppConfig):
    name = "devservers"
    verbose_name = "DevServers"

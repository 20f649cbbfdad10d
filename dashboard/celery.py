import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The schedules' and notifications' tasks are kept out of devservers.tasks (they would close an
# import cycle): found here.
app.autodiscover_tasks(["devservers.schedules", "devservers.notifications"])

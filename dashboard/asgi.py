"""The ASGI entry point (uvicorn): every page as under WSGI, plus the live pages' server-sent event
streams (devservers/push), which only an asynchronous server can hold open by the thousand."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
application = get_asgi_application()

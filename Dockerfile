FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY dashboard ./dashboard
COPY devservers ./devservers
COPY modelarts_client ./modelarts_client
COPY modelarts_emulator ./modelarts_emulator
COPY templates ./templates
COPY locale ./locale
COPY static ./static
COPY manage.py ./
# gettext's msgfmt compiles the translations (the .mo files are not committed).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gettext >/dev/null && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir . \
 && SECRET_KEY=build-only-key-not-used-at-run-time-0123456789abcdefghijklmnop \
    SECRETS_ENCRYPTION_KEYS=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= \
    python manage.py compilemessages \
 && SECRET_KEY=build-only-key-not-used-at-run-time-0123456789abcdefghijklmnop \
    SECRETS_ENCRYPTION_KEYS=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["uvicorn", "dashboard.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "3", "--timeout-graceful-shutdown", "5"]

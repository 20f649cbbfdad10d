FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY dashboard ./dashboard
COPY devservers ./devservers
COPY modelarts_client ./modelarts_client
COPY modelarts_emulator ./modelarts_emulator
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install --no-cache-dir . gunicorn \
 && SECRET_KEY=build-only-key-not-used-at-run-time-0123456789abcdefghijklmnop \
    SECRETS_ENCRYPTION_KEYS=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "dashboard.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

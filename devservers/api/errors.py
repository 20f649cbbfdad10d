"""Refusals in the request form's shape (field → messages), and the catalogue's 503."""

from django.core.cache import cache

from devservers import tasks

# How long a client should wait for the worker to bring an account's catalogue.
CATALOG_RETRY_AFTER_SECONDS = 10
CATALOG_ASK_SECONDS = 30


class Refused(Exception):
    """A refusal to answer as `{"errors": {field: [message, …]}}` with its HTTP status."""

    def __init__(self, errors: dict[str, list[str]], *, status: int = 422) -> None:
        super().__init__(errors)
        self.errors = errors
        self.status = status


def refused(field: str, message: str, *, status: int = 422) -> Refused:
    return Refused({field: [message]}, status=status)


def ask_for_the_catalog(account_id: int) -> None:
    """Queue the worker's refresh once per little while per account, however many clients wait."""
    if cache.add(f"catalog-asked:{account_id}", True, timeout=CATALOG_ASK_SECONDS):
        tasks.refresh_catalog.delay(account_id)

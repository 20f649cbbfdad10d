"""The REST API under /api/v1/ (django-ninja): reads through `selectors`, writes through the services."""

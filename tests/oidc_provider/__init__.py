"""A small, real OpenID Connect provider for the single sign-on tests (run as a subprocess)."""

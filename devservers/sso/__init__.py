"""Single sign-on through an OpenID Connect provider (mozilla-django-oidc), beside the local passwords."""

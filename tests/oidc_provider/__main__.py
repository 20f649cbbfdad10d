from tests.oidc_provider.server import main

main()

"""Cost control: prices, estimates, spend counted from a server's own events, and team budgets."""

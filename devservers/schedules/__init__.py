"""Servers that stop themselves: stop after N hours or at a daily time, delete after N days."""

"""Talking to a live instance, read-only: the Table API client (snapshots of production for simulate)."""

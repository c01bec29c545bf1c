"""Graded tests of lab 02, real serving: Gunicorn, settings checked at start, health checks."""

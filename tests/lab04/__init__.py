"""Graded tests of lab 04, load balancing: Nginx in front of several Gunicorn app servers."""

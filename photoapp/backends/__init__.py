"""Adapters: one file per port and technology, named <port>_<tech>.py."""

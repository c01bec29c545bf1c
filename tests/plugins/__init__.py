"""Shared pytest plugins: --impl and the app fixtures, real services."""

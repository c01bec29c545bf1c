"""Tests of the shared app code (services, web, auth, settings) on memory backends."""

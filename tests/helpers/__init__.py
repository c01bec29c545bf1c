"""Test-side helpers shared by the test folders: image factories and an API client."""

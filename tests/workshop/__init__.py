"""Tests of the workshop CLI and its machinery."""

"""The workshop CLI and its machinery: manifest, overlay, services, check, load, grade."""

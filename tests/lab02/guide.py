"""Where in lab 02's guide each failure message points."""

GUIDE = "labs/02-real-serving/README.md"
SETTINGS = f"see {GUIDE}, Step 1: settings checked at start"
GUNICORN = f"see {GUIDE}, Step 2: the Gunicorn config"
REQUEST_IDS = f"see {GUIDE}, Step 3: request ids"
READINESS = f"see {GUIDE}, Step 4: readiness"
STATELESS = f"see {GUIDE}, Stateless app servers"

"""Where in lab 04's guide each failure message points."""

GUIDE = "labs/04-load-balancing/README.md"
UPSTREAM = f"see {GUIDE}, Step 2: the upstream and its balancing method"
FAILOVER = f"see {GUIDE}, Step 3: health and failover"
BODY_LIMIT = f"see {GUIDE}, Step 4: the upload limit"
FORWARDED = f"see {GUIDE}, Step 5: who is asking (forwarded headers)"
FILES = f"see {GUIDE}, Step 6: static and media files from Nginx"
ACCESS_LOG = f"see {GUIDE}, Step 7: an access log that names the app server"

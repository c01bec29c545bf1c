"""Where in lab 05's guide each failure message points."""

GUIDE = "labs/05-caching/README.md"
CONFIG = f"see {GUIDE}, Step 1: the Redis config"
FAIL_OPEN = f"see {GUIDE}, Step 2: a cache that fails open"
CACHE_ASIDE = f"see {GUIDE}, Step 3: cache-aside reads"
INVALIDATION = f"see {GUIDE}, Step 4: invalidation and read-your-writes"
STAMPEDE = f"see {GUIDE}, Step 5: TTLs, jitter and stampedes"
BUCKETS = f"see {GUIDE}, Step 6: the photo owners map in hash buckets"

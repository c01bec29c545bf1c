"""Where in lab 08's guide each failure message points."""

GUIDE = "labs/08-snowflake-ids/README.md"
PYTHON = f"see {GUIDE}, Step 1: SnowflakeIds in Python"
PROCESSES = f"see {GUIDE}, Step 1: SnowflakeIds in Python (one shard per process)"
PLPGSQL = f"see {GUIDE}, Step 2: next_id() in PL/pgSQL"
TOOL = f"see {GUIDE}, Step 3: the decode tool"
SWITCH = f"see {GUIDE}, Step 4: the switch"

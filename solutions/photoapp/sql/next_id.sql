-- Lab 08: Instagram's next_id() in PL/pgSQL, one per logical shard, correct at the edges.
-- The guide is labs/08-snowflake-ids/README.md, "Step 2: next_id() in PL/pgSQL".
--
-- photoapp/backends/ids_postgres.py applies this file once per shard, in one transaction,
-- after replacing {schema} with the shard's schema (e.g. shard_0001) and {shard} with its
-- number. Every statement is safe to run again: the switch is a migration you may repeat.

CREATE SCHEMA IF NOT EXISTS {schema};

-- The shard's clock, in milliseconds since 1970. next_id() reads the time only through this
-- function, so a test can slow the clock down and ask for more than 1,024 ids in one ms.
CREATE OR REPLACE FUNCTION {schema}.now_ms() RETURNS bigint
    LANGUAGE sql VOLATILE
    AS $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

-- The shard's counter. Instagram's sequence counted ids and kept nextval() % 1024; this one
-- counts "ticks": (milliseconds since our epoch) << 10 | sequence. A tick is never handed out
-- twice, so no two ids of the shard can be equal, however many are asked for in one ms.
CREATE SEQUENCE IF NOT EXISTS {schema}.id_seq AS bigint;

CREATE OR REPLACE FUNCTION {schema}.next_id(OUT result bigint)
    LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    our_epoch  constant bigint := 1314220021721;  -- 2011-08-24 21:07:01.721 UTC, in ms
    shard_id   constant integer := {shard};
    lock_class constant integer := 8;  -- advisory locks (8, shard): lab 08's, one per shard
    max_back   constant bigint := 1000;  -- a clock that went back further is refused (ms)
    now_tick   bigint;
    tick       bigint;
BEGIN
    now_tick := ({schema}.now_ms() - our_epoch) << 10;
    -- Take the next tick; when the counter is behind the clock, move it up to the clock.
    -- The lock makes "look, then move" one step: no other call of this shard's next_id() can
    -- take a tick between our nextval() and our setval(). It is held for two sequence calls
    -- only, and released in the handler too: a lock of the connection outlives a cancelled
    -- statement, and would block every later call.
    BEGIN
        PERFORM pg_advisory_lock(lock_class, shard_id);
        tick := nextval('{schema}.id_seq');
        IF tick < now_tick THEN
            PERFORM setval('{schema}.id_seq', now_tick);
            tick := now_tick;
        END IF;
        PERFORM pg_advisory_unlock(lock_class, shard_id);
    EXCEPTION WHEN OTHERS OR QUERY_CANCELED THEN
        PERFORM pg_advisory_unlock(lock_class, shard_id);
        RAISE;
    END;
    -- A tick ahead of the clock means more than 1,024 ids were asked for in one millisecond
    -- (or the clock went back a little): wait for the clock, so no id claims a future time.
    IF (tick >> 10) - (now_tick >> 10) > max_back THEN
        RAISE EXCEPTION 'the clock of shard % is % ms behind its last id: refusing to make ids',
            shard_id, (tick >> 10) - (now_tick >> 10);
    END IF;
    WHILE (tick >> 10) > {schema}.now_ms() - our_epoch LOOP
        PERFORM pg_sleep(0.0001);
    END LOOP;
    result := ((tick >> 10) << 23) | (shard_id::bigint << 10) | (tick & 1023);
END;
$$;

-- The switch: new users and photos take their ids from next_id(). Lab 03's identity columns
-- stop numbering (DROP IDENTITY keeps every row and its id); old rows keep their small ids,
-- which sort before every snowflake, so feeds, cursors and links go on working.
ALTER TABLE users ALTER COLUMN id DROP IDENTITY IF EXISTS;
ALTER TABLE users ALTER COLUMN id SET DEFAULT {schema}.next_id();
ALTER TABLE photos ALTER COLUMN id DROP IDENTITY IF EXISTS;
ALTER TABLE photos ALTER COLUMN id SET DEFAULT {schema}.next_id();

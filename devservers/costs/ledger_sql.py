"""The PostgreSQL functions and triggers that keep the billing ledger (see `models/ledger.py`).

The stretches are `spend`'s rules (`status_timeline`, `billed_intervals`) once more, as SQL, built
from the same status sets and period lengths; `tests/dashboard/test_billing_ledger.py` holds the two
to the same figures. Each trigger runs once per statement over its transition tables and refreshes
only the rows whose billing may have moved: a status event, or a change of a row's status, times,
key or period. A refresh writes the difference of the row's stretches into the tally, so a change
that moves nothing writes nothing, and writers of different rows never wait on one another.
"""

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from devservers.costs.prices import PERIOD_HOURS, PRE_PAID
from devservers.costs.spend import BEFORE_THE_CLOUD, NOT_BILLED_STATUSES
from devservers.models import BilledStretch, BillingTally, DevServer, DevServerEvent

# The row's present status is a key too, so the pages' status filters can read the ledger; a status
# change moves the row's clocks from one key to the other.
KEY_COLUMNS = "team_id, owner_id, account_id, flavor, charging_mode, period_type, status"
SERVERS_TABLE = DevServer._meta.db_table
EVENTS_TABLE = DevServerEvent._meta.db_table
_KEY = KEY_COLUMNS
# What a row's stretches depend on besides its status events.
_ROW_INPUTS = (
    "status, created_at, team_id, owner_id, account_id, flavor, charging_mode, period_type, period_num"
)


def _text_array(values: frozenset[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{value}'" for value in sorted(values)) + "]::text[]"


def _stretches_sql() -> str:
    period_cases = " ".join(f"WHEN '{name}' THEN {hours}" for name, hours in PERIOD_HOURS.items())
    return f"""
CREATE OR REPLACE FUNCTION devserver_billed_stretches(ids bigint[])
RETURNS TABLE (devserver_id bigint, team_id bigint, owner_id bigint, account_id bigint, flavor text,
               charging_mode text, period_type text, status text, starts timestamptz, ends timestamptz)
LANGUAGE sql STABLE AS $$
WITH r AS (SELECT * FROM {DevServer._meta.db_table} WHERE id = ANY(ids)),
e AS (
    SELECT ev.devserver_id AS id, ev.created_at AS at, ev.status_from, ev.status_to,
           ROW_NUMBER() OVER (PARTITION BY ev.devserver_id ORDER BY ev.created_at, ev.id) AS n
    FROM {DevServerEvent._meta.db_table} ev WHERE ev.devserver_id = ANY(ids) AND ev.status_to <> ''
),
-- The row's statuses in order: with no event, its present status since it was made.
t AS (
    SELECT r.id, r.created_at AS at, r.status::text AS status, 0::bigint AS n FROM r
    WHERE NOT EXISTS (SELECT 1 FROM e WHERE e.id = r.id)
    UNION ALL
    SELECT r.id, r.created_at, e.status_from::text, 0 FROM r JOIN e ON e.id = r.id AND e.n = 1
    WHERE e.status_from <> '' AND r.created_at < e.at
    UNION ALL
    SELECT id, at, status_to::text, n FROM e
),
s AS (SELECT id, at, status, LEAD(at) OVER (PARTITION BY id ORDER BY n) AS until FROM t),
billed AS (
    SELECT s.id, s.at AS starts, s.until AS ends FROM s JOIN r ON r.id = s.id
    WHERE r.charging_mode <> '{PRE_PAID}' AND s.status <> ALL({_text_array(NOT_BILLED_STATUSES)})
    UNION ALL
    -- A prepaid server bills its period from the moment the cloud first holds it.
    SELECT r.id, began.at,
           began.at + make_interval(hours => (CASE r.period_type {period_cases} ELSE 0 END)
                                             * COALESCE(r.period_num, 0))
    FROM r JOIN (
        SELECT id, MIN(at) AS at FROM t WHERE status <> ALL({_text_array(BEFORE_THE_CLOUD)}) GROUP BY id
    ) AS began ON began.id = r.id
    WHERE r.charging_mode = '{PRE_PAID}'
)
SELECT r.id::bigint, r.team_id::bigint, r.owner_id::bigint, r.account_id::bigint, r.flavor::text,
       r.charging_mode::text, r.period_type::text, r.status::text, billed.starts, billed.ends
FROM billed JOIN r ON r.id = billed.id
WHERE billed.ends IS NULL OR billed.ends > billed.starts
$$;
"""


def _refresh_sql() -> str:
    stretch, tally, servers = (
        BilledStretch._meta.db_table,
        BillingTally._meta.db_table,
        DevServer._meta.db_table,
    )
    return f"""
CREATE OR REPLACE FUNCTION devserver_billing_refresh(ids bigint[], wait_for_writers boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF wait_for_writers THEN
        -- Refreshes of one row take turns, and each reads what the one before it committed.
        PERFORM 1 FROM {servers} WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    WITH gone AS (
        -- A join, not = ANY(ids): a scan filtering by a long array compares each row with all of it.
        DELETE FROM {stretch} USING unnest(ids) AS picked(id) WHERE devserver_id = picked.id
        RETURNING {_KEY}, starts, ends
    ),
    made AS (
        INSERT INTO {stretch} (devserver_id, {_KEY}, starts, ends)
        SELECT * FROM devserver_billed_stretches(ids) RETURNING {_KEY}, starts, ends
    ),
    clocks AS (
        SELECT {_KEY}, starts AS at, -1 AS clocks FROM gone
        UNION ALL SELECT {_KEY}, ends, 1 FROM gone WHERE ends IS NOT NULL
        UNION ALL SELECT {_KEY}, starts, 1 FROM made
        UNION ALL SELECT {_KEY}, ends, -1 FROM made WHERE ends IS NOT NULL
    )
    INSERT INTO {tally} ({_KEY}, first_at, last_at, clocks, epoch_sum)
    SELECT {_KEY}, at, at, SUM(clocks), SUM(clocks) * EXTRACT(EPOCH FROM at)
    FROM clocks GROUP BY {_KEY}, at HAVING SUM(clocks) <> 0;
END $$;
"""


def _triggers_sql() -> str:
    servers, events = DevServer._meta.db_table, DevServerEvent._meta.db_table
    stretch, tally = BilledStretch._meta.db_table, BillingTally._meta.db_table
    changed = " OR ".join(f"n.{column} IS DISTINCT FROM o.{column}" for column in _ROW_INPUTS.split(", "))
    return f"""
CREATE OR REPLACE FUNCTION devserver_billing_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- New rows: nobody else can be writing them.
    PERFORM devserver_billing_refresh(ARRAY(SELECT id FROM new_rows), false);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_billing_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM devserver_billing_refresh(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed}
    ), true);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_billing_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM devserver_billing_refresh(ARRAY(SELECT id FROM old_rows), false);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_billing_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {stretch};
    DELETE FROM {tally};
    -- Status events emptied alone leave each row its present status since it was made.
    PERFORM devserver_billing_refresh(ARRAY(SELECT id FROM {servers}), false);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_event_billing_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM devserver_billing_refresh(ARRAY(
        SELECT DISTINCT devserver_id FROM new_rows WHERE status_to <> ''
    ), true);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_event_billing_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM devserver_billing_refresh(ARRAY(
        SELECT devserver_id FROM new_rows WHERE status_to <> ''
        UNION SELECT devserver_id FROM old_rows WHERE status_to <> ''
    ), true);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION devserver_event_billing_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM devserver_billing_refresh(ARRAY(
        SELECT DISTINCT devserver_id FROM old_rows WHERE status_to <> ''
    ), true);
    RETURN NULL;
END $$;

CREATE TRIGGER devserver_billing_insert AFTER INSERT ON {servers}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION devserver_billing_inserted();
CREATE TRIGGER devserver_billing_update AFTER UPDATE ON {servers}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION devserver_billing_updated();
CREATE TRIGGER devserver_billing_delete AFTER DELETE ON {servers}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION devserver_billing_deleted();
CREATE TRIGGER devserver_billing_truncate AFTER TRUNCATE ON {servers}
    FOR EACH STATEMENT EXECUTE FUNCTION devserver_billing_truncated();
CREATE TRIGGER devserver_event_billing_insert AFTER INSERT ON {events}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION devserver_event_billing_inserted();
CREATE TRIGGER devserver_event_billing_update AFTER UPDATE ON {events}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION devserver_event_billing_updated();
CREATE TRIGGER devserver_event_billing_delete AFTER DELETE ON {events}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION devserver_event_billing_deleted();
CREATE TRIGGER devserver_event_billing_truncate AFTER TRUNCATE ON {events}
    FOR EACH STATEMENT EXECUTE FUNCTION devserver_billing_truncated();
"""


_TRIGGERS = {
    "devserver_billing_insert": DevServer,
    "devserver_billing_update": DevServer,
    "devserver_billing_delete": DevServer,
    "devserver_billing_truncate": DevServer,
    "devserver_event_billing_insert": DevServerEvent,
    "devserver_event_billing_update": DevServerEvent,
    "devserver_event_billing_delete": DevServerEvent,
    "devserver_event_billing_truncate": DevServerEvent,
}
_FUNCTIONS = (
    "devserver_billing_inserted()",
    "devserver_billing_updated()",
    "devserver_billing_deleted()",
    "devserver_billing_truncated()",
    "devserver_event_billing_inserted()",
    "devserver_event_billing_updated()",
    "devserver_event_billing_deleted()",
    "devserver_billing_refresh(bigint[], boolean)",
    "devserver_billed_stretches(bigint[])",
)
FILL_SQL = f"SELECT devserver_billing_refresh(ARRAY(SELECT id FROM {SERVERS_TABLE}), false)"


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create (or replace) the functions and triggers, and fill the ledger from the rows there are."""
    uninstall(schema_editor)
    schema_editor.execute(_stretches_sql())
    schema_editor.execute(_refresh_sql())
    schema_editor.execute(_triggers_sql())
    schema_editor.execute(FILL_SQL)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for trigger, model in _TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {model._meta.db_table}")
    for function in _FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")
    schema_editor.execute(f"DELETE FROM {BilledStretch._meta.db_table}")
    schema_editor.execute(f"DELETE FROM {BillingTally._meta.db_table}")

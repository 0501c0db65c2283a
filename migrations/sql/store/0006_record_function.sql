-- One call records a command's few events: the event table's lock, the tenant gate (0005), the
-- NOTIFY that wakes the projection daemon, the rows and their links in the hash chain (0003), all
-- in the calling statement's own transaction. The recorder (adapters/shared/stores.py) sends it
-- as one prepared statement on an autocommit connection: a single round trip per command, where
-- BEGIN, five statements and COMMIT took several. Many events (a billing run's batches) still go
-- through the recorder's array insert, which links them in Python.
CREATE FUNCTION niaga_record(
    tenant uuid,
    lock_timeout_seconds integer,
    ids uuid[],
    versions bigint[],
    topics text[],
    states bytea[]
) RETURNS SETOF bigint LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    link bytea;
    previous bigint;
    e record;
BEGIN
    PERFORM set_config('lock_timeout', lock_timeout_seconds || 's', true);
    LOCK TABLE niaga_events IN EXCLUSIVE MODE;
    IF tenant IS NOT NULL THEN
        PERFORM niaga_writable(tenant);
    END IF;
    NOTIFY niaga_events;
    SELECT c.notification_id, c.hash INTO previous, link
    FROM niaga_event_chain c ORDER BY c.notification_id DESC LIMIT 1;
    previous := coalesce(previous, 0);
    link := coalesce(link, decode(repeat('00', 32), 'hex'));
    FOR e IN
        INSERT INTO niaga_events AS t (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(ids, versions, topics, states)
        RETURNING t.notification_id, t.originator_id, t.originator_version,
                  convert_to(coalesce(t.topic, ''), 'UTF8') AS topic_bytes,
                  coalesce(t.state, '') AS state_bytes
    LOOP
        IF e.notification_id <= previous THEN
            -- Links must follow the log's order; never write one out of it.
            RAISE EXCEPTION 'event % inserted out of order (after %)', e.notification_id, previous;
        END IF;
        link := sha256(
            link || int8send(e.notification_id) || uuid_send(e.originator_id)
            || int8send(e.originator_version) || int4send(octet_length(e.topic_bytes))
            || e.topic_bytes || e.state_bytes
        );
        INSERT INTO niaga_event_chain VALUES
            (e.notification_id, previous, e.originator_id, e.originator_version, link);
        previous := e.notification_id;
        RETURN NEXT e.notification_id;
    END LOOP;
END
$$;

-- Tamper evidence: a hash chain over the event log. Each event's link is
--   sha256(previous link || notification_id || originator_id || originator_version
--          || length(topic) || topic || state)
-- (integers big-endian, the first link's predecessor 32 zero bytes), written by the recorder in
-- the transaction that inserts the event, under the same table lock. `previous_id` names the
-- link before, so a link removed together with its event is named too. Verify with
-- `niaga audit verify-chain`.
CREATE TABLE niaga_event_chain (
    notification_id bigint PRIMARY KEY,
    previous_id bigint NOT NULL,
    originator_id uuid NOT NULL,
    originator_version bigint NOT NULL,
    hash bytea NOT NULL
);

-- Stores recorded before the chain existed get it backfilled here, in log order, with writers
-- held off so no event slips in between.
LOCK TABLE niaga_events IN EXCLUSIVE MODE;
DO $$
DECLARE
    link bytea := decode(repeat('00', 32), 'hex');
    previous bigint := 0;
    e record;
BEGIN
    FOR e IN
        SELECT notification_id, originator_id, originator_version,
               convert_to(coalesce(topic, ''), 'UTF8') AS topic, coalesce(state, '') AS state
        FROM niaga_events ORDER BY notification_id
    LOOP
        link := sha256(
            link || int8send(e.notification_id) || uuid_send(e.originator_id)
            || int8send(e.originator_version) || int4send(octet_length(e.topic))
            || e.topic || e.state
        );
        INSERT INTO niaga_event_chain VALUES
            (e.notification_id, previous, e.originator_id, e.originator_version, link);
        previous := e.notification_id;
    END LOOP;
END $$;

-- The last sign of life of each long-running part (api, worker, projections, scheduler) per host:
-- written at most every ~10 s by the part itself, read by `niaga health` and /readyz.
CREATE TABLE process_heartbeats (
    part text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    beat_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (part, host)
);

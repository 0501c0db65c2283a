-- Events a projection could not apply: kept aside (dead letters) so the projection moves on.
-- `niaga projections retry-parked` applies them again after a fix; the row goes when it succeeds.
CREATE TABLE parked_events (
    projection text NOT NULL,
    position bigint NOT NULL,
    topic text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL DEFAULT 1,
    parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, position)
);

-- Counters behind the lists' totals, kept by the projections that write the rows they count,
-- in the same transaction: the invoices projection per tenant and status, customer_list per
-- tenant. A total is then a primary-key read instead of a count over every row a tenant has.
-- A counter at zero has no row.

CREATE TABLE invoice_counts (
    tenant_id uuid NOT NULL,
    status text NOT NULL,
    counted bigint NOT NULL,
    PRIMARY KEY (tenant_id, status)
);

CREATE TABLE customer_counts (
    tenant_id uuid PRIMARY KEY,
    counted bigint NOT NULL
);

-- The rows already there are counted now. The lock lets the projections' transactions in flight
-- finish first and holds the next ones back until this migration commits, so no page is
-- counted twice or missed. (A process still running the release before this one writes rows
-- without counting them: stop those first, or rebuild `invoices` and `customer_list` after.)
LOCK TABLE invoice_list, customer_list IN SHARE MODE;

INSERT INTO invoice_counts (tenant_id, status, counted)
SELECT tenant_id, status, count(*) FROM invoice_list GROUP BY tenant_id, status;

INSERT INTO customer_counts (tenant_id, counted)
SELECT tenant_id, count(*) FROM customer_list GROUP BY tenant_id;

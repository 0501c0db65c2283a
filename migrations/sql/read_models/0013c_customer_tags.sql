-- Tags on customers, for campaign audiences.
CREATE TABLE customer_tags (
    customer_id uuid NOT NULL,
    tag text NOT NULL,
    tenant_id uuid NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tenant_tag_idx ON customer_tags (tenant_id, tag);

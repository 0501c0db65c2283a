-- Where each tenant's data lives and whether its commands may write (open, locked, moving).
-- Tenants registered before regions existed show an empty region: the default region's.
ALTER TABLE tenant_list
    ADD COLUMN region text NOT NULL DEFAULT '',
    ADD COLUMN tier text NOT NULL DEFAULT 'shared',
    ADD COLUMN server text NOT NULL DEFAULT 'main',
    ADD COLUMN writes text NOT NULL DEFAULT 'open',
    ADD COLUMN lock_reason text NOT NULL DEFAULT '',
    ADD COLUMN moving_to text;

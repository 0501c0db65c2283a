-- The custom role a member holds at a business (projections/identity/people.py); `role` is
-- then its base role.
ALTER TABLE person_memberships ADD COLUMN custom_role_id uuid;

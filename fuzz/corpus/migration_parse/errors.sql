SELECT 1;
-- migrate:up
-- migrate:up
-- migrate:sideways
-- migrate:down lock:none

-- The dashboard on a million members: counting a household's active members reads the index alone,
-- and the newest adjustment events are found without sorting the county.
DROP INDEX member_household;
CREATE INDEX member_household ON member (household_id, status);
CREATE INDEX adjustment_event_recent ON adjustment_event (effective_on, id, region_code);

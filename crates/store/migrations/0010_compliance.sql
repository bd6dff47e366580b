-- 0010: indexes for monthly compliance (考核): a household's visits by kind and date (visits this
-- month by its helper, the last visit by anyone: one seek each), a helper's activities by kind and
-- date (visits this month, days signed in: covering, no table lookups), and a village's activities
-- by date (whether a unit's people were in the village this quarter).
CREATE INDEX activity_helper_household ON activity_helper (household_id, kind, occurred_on, helper_id);
CREATE INDEX activity_helper_kind ON activity_helper (helper_id, kind, occurred_on);
CREATE INDEX activity_helper_place ON activity_helper (region_code, occurred_on, helper_id);

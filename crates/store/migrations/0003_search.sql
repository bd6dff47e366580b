-- Search and the household list's filters, fast on a million members.

-- Pinyin initials of member names ("zsf" for 张三丰), for search by the letters officials type.
-- The column was never filled before this version; it is recreated byte-ordered like `name`
-- (COLLATE "C" on PostgreSQL), so that a prefix range can use an index there too. The program
-- fills it for existing rows within this migration (`fill_missing_initials`) and on every member write.
ALTER TABLE member DROP COLUMN name_initials;
ALTER TABLE member ADD COLUMN name_initials TEXT {C};
CREATE INDEX member_initials ON member (name_initials, name, region_code, status);

-- The last six characters of the resident ID: a partial ID (身份证后六位 or more) is found by
-- this expression and then checked in full.
CREATE INDEX member_id_tail ON member (SUBSTR(resident_id, 13));

-- The list in 区划 order, a township's page and the total on a narrow index instead of the
-- eleven-column filter index (id included: PostgreSQL answers from the index alone).
CREATE INDEX household_region_no ON household (region_code, household_no, status, id);

-- Rare conditions the list filters on, as small partial indexes led by the region: a filtered page
-- or count reads only the matching households. The query repeats each condition verbatim (SQLite
-- uses a partial index only when the query's WHERE contains its condition).
-- 两不愁三保障 not met
CREATE INDEX household_unmet ON household (region_code, household_no, id)
    WHERE status = 'active' AND (food_clothing_secure = FALSE OR education_secure = FALSE OR medical_secure = FALSE OR housing_secure = FALSE);
-- 监测对象: a monitoring category or the monitored household type
CREATE INDEX household_monitored ON household (region_code, household_no, id)
    WHERE status = 'active' AND (monitoring_category IS NOT NULL OR COALESCE(household_type, '') = 'monitored');
-- no 帮扶责任人
CREATE INDEX household_no_helper ON household (region_code, household_no, id)
    WHERE status = 'active' AND COALESCE(helper_name, '') = '';

-- households below an income line in their latest year: the range on per-capita income, covering
-- year and household; below a line in a given year: that year's range (and the registry's latest
-- income year in one lookup)
CREATE INDEX household_income_per_capita ON household_income (per_capita_net_income, year, household_id);
CREATE INDEX household_income_year ON household_income (year, per_capita_net_income, household_id);

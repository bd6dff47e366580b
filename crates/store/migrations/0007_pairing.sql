-- 0007: pairing assistance and field work (结对帮扶, 走访): units, helpers, work teams, pairings of
-- every kind (one effective-dated model), assistance measures per household, and activities
-- (visits, sign-ins, work logs, stints, trainings, meetings, donations, purchases, dividends) with
-- their helpers and photos. Rows that belong to a place carry region_code for scoping.

CREATE TABLE assist_unit (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL, -- UnitKind code
    parent_id BIGINT, -- a sub-unit (处室/科室) of its unit
    region_code TEXT {C} NOT NULL, -- where the unit sits (its county or city, padded to 12 digits)
    contact TEXT,
    phone TEXT,
    status TEXT NOT NULL, -- active | closed
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX assist_unit_parent ON assist_unit (parent_id);
CREATE INDEX assist_unit_scope ON assist_unit (region_code, name);

CREATE TABLE helper (
    id BIGINT PRIMARY KEY,
    name TEXT {C} NOT NULL,
    kind TEXT NOT NULL, -- HelperKind code
    unit_id BIGINT,
    rank TEXT, -- Rank code
    position TEXT, -- 职务
    phone TEXT, -- work phone, shown on notices of who helps whom
    id_number TEXT {C}, -- optional: identifies the person across imports
    user_id BIGINT, -- the app_user this helper logs in as, if any
    region_code TEXT {C} NOT NULL, -- the helper's unit's region (scope of who manages the helper)
    status TEXT NOT NULL, -- active | left
    left_on DATE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX helper_unit ON helper (unit_id, status);
CREATE INDEX helper_name ON helper (name, region_code);
CREATE INDEX helper_id_number ON helper (id_number);
CREATE INDEX helper_user ON helper (user_id);

CREATE TABLE work_team (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    unit_id BIGINT, -- the sending unit
    village_code TEXT {C} NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    status TEXT NOT NULL, -- active | ended
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX work_team_village ON work_team (village_code, status);

CREATE TABLE team_member (
    team_id BIGINT NOT NULL,
    helper_id BIGINT NOT NULL,
    role TEXT NOT NULL, -- TeamRole code
    started_on DATE NOT NULL,
    ended_on DATE,
    PRIMARY KEY (team_id, helper_id, started_on)
);
CREATE INDEX team_member_helper ON team_member (helper_id);

-- One model for every pairing kind: a helper side and a beneficiary side, each a party kind with an
-- id (helper, unit, team, household, member, school unit) or a region code (village, county, city).
CREATE TABLE pairing (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL, -- PairingKind code
    helper_kind TEXT NOT NULL, -- PartyKind code
    helper_id BIGINT,
    helper_region TEXT {C},
    beneficiary_kind TEXT NOT NULL,
    beneficiary_id BIGINT,
    beneficiary_region TEXT {C},
    region_code TEXT {C} NOT NULL, -- the beneficiary's place (household's or student's village, the village, the receiving school's or county's code): the scope
    started_on DATE NOT NULL,
    ended_on DATE,
    status TEXT NOT NULL, -- PairingStatus code
    end_reason TEXT,
    replaced_by BIGINT, -- the pairing that took over (hand-over)
    plan_goal TEXT, -- 帮扶目标
    plan_measures TEXT, -- 帮扶措施（计划）
    created_batch BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX pairing_beneficiary ON pairing (beneficiary_kind, beneficiary_id, status);
CREATE INDEX pairing_helper ON pairing (helper_kind, helper_id, status);
CREATE INDEX pairing_scope ON pairing (region_code, kind, status);

-- Assistance measures delivered to a household (帮扶措施); the quality rules MEA-01–03 and MON-02 read them.
CREATE TABLE assistance_measure (
    id BIGINT PRIMARY KEY,
    household_id BIGINT NOT NULL,
    member_id BIGINT,
    region_code TEXT {C} NOT NULL,
    kind TEXT NOT NULL, -- MeasureKind code
    started_on DATE NOT NULL,
    ended_on DATE,
    description TEXT,
    amount BIGINT, -- fen
    pairing_id BIGINT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX assistance_measure_household ON assistance_measure (household_id, kind);
CREATE INDEX assistance_measure_scope ON assistance_measure (region_code, kind);

CREATE TABLE activity (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL, -- ActivityKind code
    region_code TEXT {C} NOT NULL, -- the village (or the household's village)
    household_id BIGINT,
    unit_id BIGINT,
    team_id BIGINT,
    occurred_on DATE NOT NULL,
    ended_on DATE, -- stints and multi-day activities
    start_time TEXT, -- HH:MM
    end_time TEXT,
    title TEXT, -- topic of a training or meeting, product of a purchase, project of a dividend
    checked TEXT, -- what a visit checked: comma-separated codes (guarantees, income, needs …)
    problems TEXT,
    help_given TEXT,
    money BIGINT, -- fen given or paid
    goods TEXT,
    latitude_e6 BIGINT, -- optional location from the phone, micro-degrees
    longitude_e6 BIGINT,
    details TEXT, -- kind-specific fields as JSON (training level, sessions, participants …)
    flags TEXT, -- e.g. not_paired: recorded by a helper not paired with the household
    client_uuid TEXT {C}, -- set by the phone form, so a form sent twice is stored once
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX activity_client_uuid ON activity (client_uuid);
CREATE INDEX activity_household ON activity (household_id, occurred_on);
CREATE INDEX activity_scope ON activity (region_code, kind, occurred_on);

-- Who took part, with the date and kind copied so compliance per helper and month is one range scan.
CREATE TABLE activity_helper (
    helper_id BIGINT NOT NULL,
    occurred_on DATE NOT NULL,
    activity_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    household_id BIGINT,
    region_code TEXT {C} NOT NULL,
    PRIMARY KEY (helper_id, occurred_on, activity_id)
);
CREATE INDEX activity_helper_activity ON activity_helper (activity_id);

CREATE TABLE activity_photo (
    id BIGINT PRIMARY KEY,
    activity_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes {BLOB} NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX activity_photo_activity ON activity_photo (activity_id, seq);

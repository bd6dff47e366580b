-- 0005: data quality (逻辑校验): rule settings and income lines per jurisdiction, runs, findings
-- and counts. A finding is keyed by (rule, household, member); runs over the same region are
-- compared on that key (new / still open / fixed).

-- A jurisdiction's change to a rule: on/off and parameters (key=value lines as typed).
CREATE TABLE quality_rule_setting (
    rule_code TEXT {C} NOT NULL,
    region_prefix TEXT {C} NOT NULL, -- '' = the whole installation
    enabled BOOLEAN, -- NULL = inherited
    params TEXT, -- one key=value per line
    basis TEXT, -- the document that decided it
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (rule_code, region_prefix)
);

-- Income lines by year (扶贫标准, 监测线) per jurisdiction; shipped national defaults live in code.
CREATE TABLE reference_line (
    kind TEXT NOT NULL, -- poverty | monitoring
    region_prefix TEXT {C} NOT NULL,
    year BIGINT NOT NULL,
    amount BIGINT NOT NULL, -- fen per person per year
    basis TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, region_prefix, year)
);

CREATE TABLE quality_run (
    id BIGINT PRIMARY KEY,
    scope_prefix TEXT {C} NOT NULL, -- the region checked ('' = the whole registry)
    household_id BIGINT, -- set for a check of one household (after an edit)
    actor TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL, -- running | done | failed
    previous_run_id BIGINT, -- the last finished run covering this region, compared with
    rule_count BIGINT,
    households BIGINT,
    members BIGINT,
    findings BIGINT,
    errors BIGINT,
    warnings BIGINT,
    new_findings BIGINT,
    fixed_findings BIGINT,
    elapsed_ms BIGINT,
    message TEXT
);
CREATE INDEX quality_run_scope ON quality_run (scope_prefix, status, id);

CREATE TABLE quality_finding (
    run_id BIGINT NOT NULL,
    rule_code TEXT {C} NOT NULL,
    region_code TEXT {C} NOT NULL, -- the household's village
    household_id BIGINT NOT NULL,
    member_id BIGINT NOT NULL, -- 0 when the finding is about the household
    severity TEXT NOT NULL, -- error | warning
    is_new BOOLEAN NOT NULL, -- not in the previous run
    message TEXT NOT NULL
);
CREATE INDEX quality_finding_key ON quality_finding (run_id, household_id, member_id, rule_code);
CREATE INDEX quality_finding_scope ON quality_finding (run_id, region_code, rule_code);

-- Counts per run, village and rule (fixed = in the previous run, gone in this one).
CREATE TABLE quality_count (
    run_id BIGINT NOT NULL,
    region_code TEXT {C} NOT NULL,
    rule_code TEXT {C} NOT NULL,
    findings BIGINT NOT NULL,
    new_findings BIGINT NOT NULL,
    fixed_findings BIGINT NOT NULL,
    PRIMARY KEY (run_id, region_code, rule_code)
);

-- Members whose stated document number differs from their key (disability certificates, legacy
-- typing): the only rows that can duplicate someone else's ID, since resident_id is unique.
CREATE INDEX member_id_mismatch ON member (id_number) WHERE id_number <> resident_id;

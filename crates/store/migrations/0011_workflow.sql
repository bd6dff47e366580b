-- 0011: workflows with public notice. Versioned flow definitions (per jurisdiction), cases, the
-- insert-only decision ledger, attachments, village deliberations (民主评议), public notices (公示
-- and 公告) with their items and objections, the holiday calendar, and dynamic-adjustment campaigns.

-- A procedure's steps as JSON (domain::workflow::FlowDefinition). Never updated: an edit is a new
-- version; a case keeps the definition row it started with.
CREATE TABLE flow_definition (
    id BIGINT PRIMARY KEY,
    procedure TEXT {C} NOT NULL,
    region_prefix TEXT {C} NOT NULL, -- '' = the whole installation; the longest prefix wins
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    basis TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (procedure, region_prefix, version)
);

CREATE TABLE wf_campaign (
    id BIGINT PRIMARY KEY,
    region_code TEXT {C} NOT NULL, -- the county (or township) it covers
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    starts_on DATE NOT NULL,
    due_on DATE NOT NULL, -- the default deadline for every village
    definition_id BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE wf_campaign_deadline (
    campaign_id BIGINT NOT NULL,
    village_code TEXT {C} NOT NULL,
    due_on DATE NOT NULL,
    PRIMARY KEY (campaign_id, village_code)
);

CREATE TABLE wf_case (
    id BIGINT PRIMARY KEY,
    definition_id BIGINT NOT NULL,
    procedure TEXT {C} NOT NULL,
    region_code TEXT {C} NOT NULL, -- the household's or the village's code: the scope
    subject_kind TEXT NOT NULL, -- household | village
    household_id BIGINT,
    title TEXT NOT NULL, -- e.g. 张三户（4 人）
    group_name TEXT, -- 村民小组, shown on notices
    item TEXT, -- what is applied for, shown on notices
    amount BIGINT, -- fen, shown on notices where relevant
    payload TEXT, -- JSON: the application's details (reason, 五有, population …)
    campaign_id BIGINT,
    verdict TEXT, -- the campaign's verdict code once given
    status TEXT NOT NULL, -- open | completed | rejected | withdrawn
    step_index BIGINT NOT NULL,
    step_key TEXT NOT NULL,
    transition_no BIGINT NOT NULL, -- +1 at every step change; forms carry it
    step_since TEXT NOT NULL,
    step_due DATE,
    applicant TEXT NOT NULL, -- the user who opened the case
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX wf_case_scope ON wf_case (region_code, status, procedure, step_key);
CREATE INDEX wf_case_due ON wf_case (status, step_due);
CREATE INDEX wf_case_household ON wf_case (household_id, procedure, status);
-- one open application per household and procedure (campaign cases aside), even when two arrive at once
CREATE UNIQUE INDEX wf_case_open_once ON wf_case (household_id, procedure) WHERE status = 'open' AND campaign_id IS NULL AND household_id IS NOT NULL;
CREATE INDEX wf_case_campaign ON wf_case (campaign_id, region_code, status);

-- The decision ledger: insert-only. One row per decision, meeting result, notice event or
-- objection outcome. A person decides a step visit once: (case, transition, actor) is unique for
-- approvals, returns and rejections.
CREATE TABLE wf_decision (
    id BIGINT PRIMARY KEY,
    case_id BIGINT NOT NULL,
    region_code TEXT {C} NOT NULL,
    transition_no BIGINT NOT NULL,
    step_index BIGINT NOT NULL,
    step_key TEXT NOT NULL,
    decision TEXT NOT NULL, -- apply | approve | return | reject | deliberated | noticed | objection_upheld | announced | extended | withdrawn
    actor TEXT NOT NULL,
    role TEXT,
    at TEXT NOT NULL,
    comment TEXT,
    return_to BIGINT,
    verdict TEXT,
    detail TEXT -- JSON: check results, meeting or notice id …
);
CREATE INDEX wf_decision_case ON wf_decision (case_id, id);
CREATE UNIQUE INDEX wf_decision_once ON wf_decision (case_id, transition_no, actor) WHERE decision IN ('approve', 'return', 'reject');

CREATE TABLE wf_attachment (
    id BIGINT PRIMARY KEY,
    owner_kind TEXT NOT NULL, -- case | deliberation | notice
    owner_id BIGINT NOT NULL,
    region_code TEXT {C} NOT NULL,
    purpose TEXT NOT NULL, -- e.g. 认可书, 会议记录, 公示照片
    file_name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes {BLOB} NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX wf_attachment_owner ON wf_attachment (owner_kind, owner_id);

CREATE TABLE wf_deliberation (
    id BIGINT PRIMARY KEY,
    region_code TEXT {C} NOT NULL, -- the village
    meeting_on DATE NOT NULL,
    place TEXT,
    host TEXT,
    representatives_total BIGINT NOT NULL,
    representatives_present BIGINT NOT NULL,
    quorum_num BIGINT NOT NULL,
    quorum_den BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX wf_deliberation_scope ON wf_deliberation (region_code, meeting_on);

CREATE TABLE wf_deliberation_item (
    deliberation_id BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    passed BOOLEAN NOT NULL,
    votes_for BIGINT,
    votes_against BIGINT,
    note TEXT,
    PRIMARY KEY (deliberation_id, case_id)
);

-- A public notice (公示) or announcement (公告) posted in a village or township.
CREATE TABLE wf_notice (
    id BIGINT PRIMARY KEY,
    public_code TEXT {C} NOT NULL UNIQUE, -- the short URL's code
    kind TEXT NOT NULL, -- notice | announcement
    procedure TEXT {C} NOT NULL,
    step_key TEXT NOT NULL,
    region_code TEXT {C} NOT NULL, -- where it is posted (village, or township)
    title TEXT NOT NULL,
    posted_at_place TEXT, -- e.g. 村委会公示栏
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    days BIGINT NOT NULL,
    working_days BOOLEAN NOT NULL,
    contact TEXT, -- whom to contact (office and phone of the office, never a villager's)
    status TEXT NOT NULL, -- posted | closed
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_by TEXT,
    closed_at TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX wf_notice_scope ON wf_notice (region_code, status);

CREATE TABLE wf_notice_item (
    notice_id BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    display_name TEXT NOT NULL, -- as printed: the household head's name
    group_name TEXT,
    item TEXT,
    amount BIGINT,
    withdrawn BOOLEAN NOT NULL, -- an upheld objection took it off
    PRIMARY KEY (notice_id, case_id)
);
CREATE INDEX wf_notice_item_case ON wf_notice_item (case_id);

CREATE TABLE wf_objection (
    id BIGINT PRIMARY KEY,
    reference_no TEXT {C} NOT NULL UNIQUE,
    notice_id BIGINT NOT NULL,
    case_id BIGINT, -- the item objected to, when known
    region_code TEXT {C} NOT NULL,
    source TEXT NOT NULL, -- public | official
    name TEXT NOT NULL,
    phone {BLOB}, -- sealed
    item_text TEXT,
    reason TEXT NOT NULL,
    lodged_at TEXT NOT NULL,
    client_key TEXT, -- keyed hash of the client's address (rate limits), never the address
    status TEXT NOT NULL, -- open | upheld | dismissed
    verification TEXT,
    outcome_reason TEXT,
    resolved_by TEXT,
    resolved_at TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX wf_objection_notice ON wf_objection (notice_id, status);
CREATE INDEX wf_objection_scope ON wf_objection (region_code, status);
CREATE INDEX wf_objection_client ON wf_objection (client_key, lodged_at);

-- Public holidays and 调休 working days per jurisdiction (kind holiday | workday).
CREATE TABLE holiday (
    region_prefix TEXT {C} NOT NULL,
    day DATE NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (region_prefix, day)
);

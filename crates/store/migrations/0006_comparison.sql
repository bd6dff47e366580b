-- 0006: comparison of the registry with other departments' lists (数据比对) and the work orders
-- (工单) it produces for the villages. Portable SQL (see 0001 for {C} and {BLOB}).
--
-- A list is imported whole in one transaction: its rows are staged in a temporary table, then
-- written to dept_list_row by one INSERT … SELECT that matches them to the registry on
-- member.resident_id (within the importer's scope), and every finding becomes a work_order row
-- assigned to the household's village (region_code), in one INSERT … SELECT per finding kind.
-- People on the list who are not registered (in scope) are only counted on the list.

-- One imported list. The counts are the importer's report, for the whole list.
CREATE TABLE dept_list (
    id BIGINT PRIMARY KEY,
    department TEXT NOT NULL, -- Department code (civil_affairs, medical_insurance …)
    list_kind TEXT NOT NULL, -- ListKind code (dibao, death, vehicle …)
    region_prefix TEXT {C} NOT NULL, -- the importing scope: a region-code prefix ('' = everything)
    file_name TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    complete BOOLEAN NOT NULL, -- 全量名单: absence from the list is a finding too (低保/特困, 学籍)
    medical_threshold_registered BIGINT, -- fen: out-of-pocket threshold for 贫困/脱贫 households
    medical_threshold_other BIGINT, -- fen: for other households
    row_count BIGINT NOT NULL, -- distinct people read (valid, not repeated)
    bad_rows BIGINT NOT NULL, -- rows skipped: invalid ID, unreadable value
    duplicate_rows BIGINT NOT NULL, -- rows repeating an ID already read (counted once)
    matched_count BIGINT NOT NULL, -- rows matching an active member in scope
    removed_count BIGINT NOT NULL, -- rows matching a member already removed from the registry (已减少)
    unmatched_count BIGINT NOT NULL, -- nobody with that ID registered in scope (not_in_registry)
    name_mismatch_count BIGINT NOT NULL, -- ID matched, name differs
    finding_count BIGINT NOT NULL, -- work orders created
    already_open_count BIGINT NOT NULL, -- findings already under an unresolved order from an earlier list
    row_id_from BIGINT, -- the list's rows are dept_list_row ids row_id_from..row_id_to (NULL: no rows)
    row_id_to BIGINT
);
CREATE INDEX dept_list_scope ON dept_list (region_prefix, id);

-- The rows of a list, as read (normalised), and what they matched. Kind-specific columns stay NULL
-- where a kind has no such column. A list's rows have consecutive ids (dept_list.row_id_from ..
-- row_id_to, in file order) and are read by that range: no index besides the primary key, so a
-- million-row list is written at the speed of an append.
CREATE TABLE dept_list_row (
    id BIGINT PRIMARY KEY,
    list_id BIGINT NOT NULL,
    row_no BIGINT NOT NULL, -- physical row number in the file (first occurrence of the ID)
    resident_id TEXT {C} NOT NULL, -- 18 characters (15-digit numbers upgraded)
    name TEXT {C},
    amount BIGINT, -- fen: 个人自付
    disability_grade TEXT, -- '1'..'4'
    housing_grade TEXT, -- 'A'..'D'
    event_date DATE, -- 死亡/注销/迁出/就诊/就业 date
    school TEXT,
    school_grade TEXT,
    plate TEXT,
    vehicle_type TEXT,
    company_name TEXT,
    credit_code TEXT,
    company_role TEXT,
    work_unit TEXT,
    detail TEXT, -- 备注, 迁往地址 …
    -- the match (written with the row)
    member_id BIGINT,
    household_id BIGINT,
    region_code TEXT {C}, -- the household's village
    member_active BOOLEAN, -- matched an active member (FALSE: a removed one; NULL: no match)
    name_differs BOOLEAN
);

-- One finding for one household (and member), to be verified and fixed by its village.
CREATE TABLE work_order (
    id BIGINT PRIMARY KEY,
    list_id BIGINT NOT NULL,
    row_no BIGINT, -- the list row behind the finding (NULL: absent from a complete list)
    kind TEXT NOT NULL, -- FindingKind code
    household_id BIGINT NOT NULL,
    member_id BIGINT, -- NULL for findings about the household as a whole
    region_code TEXT {C} NOT NULL, -- the household's village code: scopes every query
    detail TEXT NOT NULL, -- the finding as a Chinese sentence
    status TEXT NOT NULL, -- open 待核实 | verified_true 核实属实 | verified_false 核实不属实 | fixed 已整改
    note TEXT, -- 核实/整改情况
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version BIGINT NOT NULL
);
-- a township's or village's orders by status and kind; completion per township
CREATE INDEX work_order_scope ON work_order (region_code, status, kind);
-- one list's orders in a scope
CREATE INDEX work_order_list ON work_order (list_id, region_code, status);
-- is this household already under an unresolved order of this kind (from an earlier list)?
CREATE INDEX work_order_subject ON work_order (household_id, kind, status);

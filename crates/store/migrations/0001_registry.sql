-- 0001: regions, the household registry, adjustment events, import batches, audit trail.
-- Portable SQL for SQLite and PostgreSQL; {BLOB} becomes BLOB or BYTEA; {C} is the byte-order
-- collation on PostgreSQL (codes, IDs and names compare as bytes: fast, and `LIKE 'prefix%'` can
-- use the index) and nothing on SQLite, whose default is already binary.
-- Large tables carry region_code (12 digits) so every read can be scoped by prefix
-- and a distributed engine can shard by its county prefix.

CREATE TABLE id_allocator (
    name TEXT PRIMARY KEY,
    next_id BIGINT NOT NULL
);

CREATE TABLE region (
    code TEXT {C} PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT {C},
    poor_village BOOLEAN,
    exit_year BIGINT
);
CREATE INDEX region_parent ON region (parent_code);

CREATE TABLE villager_group (
    region_code TEXT {C} NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (region_code, name)
);

CREATE TABLE import_batch (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    actor TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    summary TEXT
);

CREATE TABLE household (
    id BIGINT PRIMARY KEY,
    region_code TEXT {C} NOT NULL,
    villager_group TEXT, -- 组
    household_no TEXT {C}, -- 户编号
    stated_size BIGINT, -- 家庭人口数
    household_type TEXT, -- 户类型
    poverty_attribute TEXT, -- 贫困户属性
    monitoring_category TEXT, -- 监测对象类别
    identification_standard TEXT, -- 识别标准
    registration_year BIGINT, -- 识别年度
    exit_year BIGINT, -- 脱贫年度
    monitoring_identified_on DATE, -- 识别监测时间
    risk_eliminated BOOLEAN, -- 风险是否已消除
    risk_elimination_method TEXT, -- 风险消除方式
    risk_eliminated_on DATE, -- 风险消除时间
    cause_1 TEXT, -- 主要致贫原因
    cause_2 TEXT, -- 其他致贫原因
    cause_3 TEXT, -- 其他致贫原因2
    cause_4 TEXT, -- 致贫/返贫风险4
    cause_5 TEXT, -- 致贫/返贫风险5
    cultivated_land BIGINT, -- 耕地面积(亩)
    irrigated_land BIGINT, -- 有效灌溉面积(亩)
    forest_land BIGINT, -- 林地面积(亩)
    returned_farmland BIGINT, -- 退耕还林面积(亩)
    orchard_land BIGINT, -- 林果面积(亩)
    grassland BIGINT, -- 牧草地面积(亩)
    water_surface BIGINT, -- 水面面积(亩)
    housing_area BIGINT, -- 住房面积(平方米)
    dangerous_house BOOLEAN, -- 是否危房户
    housing_grade TEXT, -- 危房等级
    has_electricity BOOLEAN, -- 是否通生活用电
    has_broadcast_tv BOOLEAN, -- 是否通广播电视
    safe_drinking_water BOOLEAN, -- 是否解决安全饮用水
    road_hardened BOOLEAN, -- 入户道路是否硬化
    road_type TEXT, -- 入户路类型
    distance_to_road BIGINT, -- 与村主干路距离(公里)
    has_sanitary_toilet BOOLEAN, -- 是否有卫生厕所
    main_fuel TEXT, -- 主要燃料类型
    cooperative_member BOOLEAN, -- 是否加入农民专业合作社
    food_clothing_secure BOOLEAN, -- 不愁吃不愁穿
    education_secure BOOLEAN, -- 义务教育有保障
    medical_secure BOOLEAN, -- 基本医疗有保障
    housing_secure BOOLEAN, -- 住房安全有保障
    bank_name TEXT, -- 开户银行
    bank_account {BLOB}, -- 银行账号
    phone {BLOB}, -- 联系电话
    helper_name TEXT, -- 帮扶责任人
    helper_unit TEXT, -- 帮扶责任人单位
    helper_phone TEXT, -- 帮扶责任人电话
    phone_hash TEXT {C}, -- keyed hash of the phone for equality search
    status TEXT NOT NULL, -- active | removed
    created_batch BIGINT,
    updated_batch BIGINT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX household_no_unique ON household (household_no);
-- the household list filters by region, type, attribute, category and any cause, sorted by number:
-- one covering index answers those pages without touching the table
CREATE INDEX household_scope_type ON household (region_code, household_type, status, poverty_attribute, monitoring_category, cause_1, cause_2, cause_3, cause_4, cause_5, household_no);
CREATE INDEX household_phone ON household (phone_hash);

CREATE TABLE member (
    id BIGINT PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    region_code TEXT {C} NOT NULL,
    resident_id TEXT {C} NOT NULL,
    seq BIGINT NOT NULL, -- order within the household
    name TEXT {C}, -- 姓名
    id_type TEXT, -- 证件类型
    id_number TEXT {C}, -- 证件号码
    sex TEXT, -- 性别
    birth_date DATE, -- 出生日期
    relation TEXT, -- 与户主关系
    ethnicity TEXT, -- 民族
    political_status TEXT, -- 政治面貌
    education TEXT, -- 文化程度
    school_status TEXT, -- 在校生状况
    not_in_school_reason TEXT, -- 义务教育阶段未上学原因
    health TEXT, -- 健康状况
    disability_grade TEXT, -- 残疾等级
    disability_category TEXT, -- 残疾类别
    labour_skill TEXT, -- 劳动技能
    migrant_status TEXT, -- 务工状况
    migrant_place TEXT, -- 务工所在地
    migrant_county TEXT, -- 务工所在县
    migrant_months BIGINT, -- 务工时间(月)
    migrant_monthly_income BIGINT, -- 务工月收入(元)
    employer TEXT, -- 务工企业名称
    employment_channel TEXT, -- 就业渠道
    plans_migrant_work BOOLEAN, -- 是否计划务工
    resident_medical_insurance BOOLEAN, -- 是否参加城乡居民基本医疗保险
    employee_medical_insurance BOOLEAN, -- 是否参加城镇职工基本医疗保险
    serious_illness_insurance BOOLEAN, -- 是否参加大病保险
    medical_assistance BOOLEAN, -- 是否接受医疗救助
    resident_pension BOOLEAN, -- 是否参加城乡居民基本养老保险
    dibao TEXT, -- 享受低保政策情况
    tekun TEXT, -- 享受特困供养政策情况
    welfare_post TEXT, -- 公益性岗位
    welfare_post_months BIGINT, -- 公益性岗位(月数)
    name_initials TEXT, -- pinyin initials of the name, for search (filled by the web layer)
    status TEXT NOT NULL, -- active | removed
    joined_on DATE NOT NULL,
    removed_on DATE,
    removal_reason TEXT,
    created_batch BIGINT,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX member_resident_id ON member (resident_id);
CREATE INDEX member_household ON member (household_id);
CREATE INDEX member_scope_name ON member (name, region_code, status);

CREATE TABLE household_income (
    household_id BIGINT NOT NULL REFERENCES household (id),
    year BIGINT NOT NULL,
    region_code TEXT {C} NOT NULL,
    wage_income BIGINT, -- 工资性收入(元), fen
    business_income BIGINT, -- 生产经营性收入(元), fen
    property_income BIGINT, -- 财产性收入(元), fen
    transfer_income BIGINT, -- 转移性收入(元), fen
    business_expense BIGINT, -- 生产经营性支出(元), fen
    net_income BIGINT, -- 家庭纯收入(元), fen
    per_capita_net_income BIGINT, -- 人均纯收入(元), fen
    PRIMARY KEY (household_id, year)
);

CREATE TABLE membership_history (
    member_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    region_code TEXT {C} NOT NULL,
    from_on DATE NOT NULL,
    to_on DATE NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX membership_history_member ON membership_history (member_id);
CREATE INDEX membership_history_scope ON membership_history (region_code, from_on);

CREATE TABLE adjustment_event (
    id BIGINT PRIMARY KEY,
    household_id BIGINT NOT NULL,
    region_code TEXT {C} NOT NULL,
    member_id BIGINT,
    event_type TEXT NOT NULL,
    effective_on DATE NOT NULL,
    date_precision TEXT NOT NULL,
    household_type_after TEXT,
    reason TEXT NOT NULL,
    batch_id BIGINT,
    details TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX adjustment_event_household ON adjustment_event (household_id, effective_on);
CREATE INDEX adjustment_event_scope ON adjustment_event (region_code, effective_on);

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    region_code TEXT {C},
    entity TEXT NOT NULL,
    entity_id TEXT,
    action TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

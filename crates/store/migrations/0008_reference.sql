-- 0008: reference parameters per jurisdiction (caseloads by rank, compliance rules and the like):
-- a value per (area, key) for a region-code prefix, with the document that decided it. Shipped
-- defaults live in code; a row overrides them for its prefix (the longest prefix wins).
CREATE TABLE reference_param (
    area TEXT NOT NULL, -- e.g. caseload, compliance
    key TEXT NOT NULL, -- e.g. full_section, visit_per_household_month
    region_prefix TEXT {C} NOT NULL, -- '' = the whole installation
    value TEXT NOT NULL, -- as typed
    basis TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (area, key, region_prefix)
);

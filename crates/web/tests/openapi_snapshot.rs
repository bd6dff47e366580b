//! The OpenAPI document is part of the API: any change to it shows up as a diff against the
//! snapshot in `tests/snapshots/openapi.json`. Refresh it deliberately with
//! `UPDATE_SNAPSHOTS=1 cargo nextest run -p bangfu-web --test openapi_snapshot`.

use std::path::PathBuf;

#[test]
fn openapi_document_matches_the_snapshot() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    let now = bangfu_web::api::openapi::stable_json();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let before = std::fs::read_to_string(&path).unwrap_or_default();
    if before == now {
        return;
    }
    let (old, new): (Vec<&str>, Vec<&str>) = (before.lines().collect(), now.lines().collect());
    let first = old.iter().zip(&new).position(|(a, b)| a != b).unwrap_or(old.len().min(new.len()));
    let show = |lines: &[&str]| lines.iter().skip(first.saturating_sub(3)).take(10).map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n");
    panic!(
        "the OpenAPI document differs from {} from line {} on.\nsnapshot:\n{}\nnow:\n{}\n\
         If the API change is intended, run: UPDATE_SNAPSHOTS=1 cargo nextest run -p bangfu-web --test openapi_snapshot",
        path.display(),
        first + 1,
        show(&old),
        show(&new)
    );
}

#[test]
fn the_document_names_both_ways_to_authenticate() {
    let v: serde_json::Value = serde_json::from_str(&bangfu_web::api::openapi::stable_json()).unwrap();
    let schemes = &v["components"]["securitySchemes"];
    assert_eq!(schemes["cookie"]["in"], "cookie");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    for path in [
        "/api/v1/me",
        "/api/v1/households",
        "/api/v1/households/{id}",
        "/api/v1/search",
        "/api/v1/imports/{job}",
        "/api/v1/quality/rules",
        "/api/v1/quality/runs",
        "/api/v1/quality/runs/{id}",
        "/api/v1/quality/runs/{id}/findings",
        "/api/v1/quality/jobs/{job}",
        "/api/v1/households/{id}/check",
        "/api/v1/compare/lists",
        "/api/v1/compare/lists/{id}",
        "/api/v1/compare/jobs/{job}",
        "/api/v1/compare/orders",
        "/api/v1/compare/orders/{id}",
        "/api/v1/compare/progress",
    ] {
        assert!(v["paths"][path].is_object(), "{path} is documented");
    }
}

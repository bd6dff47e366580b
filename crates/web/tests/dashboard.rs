//! The dashboard's numbers equal the registry's, in the user's scope, and each links to its households.

mod common;

use common::{TestApp, prefix_of};

fn first_number_after(html: &str, label: &str) -> i64 {
    // <a class="n" href="…">1,234</a><span class="k">label</span>
    let at = html.find(&format!("<span class=\"k\">{label}</span>")).unwrap_or_else(|| panic!("{label} missing"));
    let before = html[..at].strip_suffix("</a>").expect("number link");
    let open = before.rfind('>').unwrap();
    before[open + 1..].replace(',', "").trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_what_the_list_shows_in_each_scope() {
    for app in TestApp::all().await {
        for role in ["county", "township", "village"] {
            let (c, _) = app.login(role).await;
            let r = c.get(app.url("/")).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let html = r.text().await.unwrap();
            assert!(html.contains("<svg"), "charts are inline SVG");
            let households = first_number_after(&html, "在册户数");
            let prefix = prefix_of(&app.region_of(role).await);
            let expected = app.households.iter().filter(|(_, r)| r.starts_with(&prefix)).count() as i64;
            assert_eq!(households, expected, "{role} on {}", app.backend());
            // the number behind "两不愁三保障未达标" equals the filtered list's total
            let unmet = first_number_after(&html, "两不愁三保障未达标户数");
            let list = c.get(app.url("/households?guarantee_unmet=1")).send().await.unwrap().text().await.unwrap();
            let total: i64 = list.split("<strong id=\"total\">").nth(1).unwrap().split('<').next().unwrap().replace(',', "").parse().unwrap();
            assert_eq!(unmet, total, "{role} on {}", app.backend());
            assert!(html.contains("href=\"/households?guarantee_unmet=1\""));
        }
        app.stop().await;
    }
}

//! The exam office's item-analysis page: server-rendered statistics, a score histogram and
//! per-item figures for an event with submitted candidates; closed to everyone else.

use reqwest::StatusCode;

use crate::common::{Backend, Page, TestApp};

/// The figures in an item's row of the analysis page (题号 is the row's header).
fn item_cells(html: &str, item: &str) -> Vec<String> {
    let page = Page::parse(html);
    let row = page
        .all("table.analysis-items tbody tr")
        .into_iter()
        .find(|tr| {
            tr.select(&scraper::Selector::parse("th").unwrap())
                .map(Page::text_of)
                .any(|t| t == item)
        })
        .unwrap_or_else(|| panic!("no row for {item}: {page}"));
    row.select(&scraper::Selector::parse("td").unwrap())
        .map(Page::text_of)
        .collect()
}

#[tokio::test]
async fn the_office_sees_the_item_analysis_page_and_candidates_do_not() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Candidates 1–3 answer items 1 and 2 correctly, 4–5 with the first wrong option.
    let (ev, paper, candidate) = app.analysed_event(2).await;
    let office = app.staff("office").await;
    let proctor = app.staff("proctor").await;
    let first = paper.objective[0].item_id.to_string();

    let (status, html) = office.get_text(&format!("/office/analysis?event={ev}")).await;
    assert_eq!(status, StatusCode::OK, "{html:.500}");
    let page = Page::parse(&html);
    assert_eq!(page.text(".brand-text strong"), "题目分析", "{page}");
    assert_eq!(page.count("svg.histogram"), 1, "{page}");
    assert!(page.count("svg.histogram rect.hist-bar") > 0, "{page}");
    assert!(page.count("svg.option-bars rect.opt-bar.opt-key") > 0, "{page}");
    let labels = page.texts(".analysis-summary .stat > span:last-child");
    for want in ["考生人数", "平均分", "标准差", "测量标准误"] {
        assert!(labels.iter().any(|l| l == want), "no figure {want}: {labels:?}");
    }
    let headers = page.texts("table.analysis-items thead th");
    for want in ["题-余相关", "删除后α"] {
        assert!(headers.iter().any(|h| h == want), "no column {want}: {headers:?}");
    }
    let csv = format!("/api/office/events/{ev}/analysis.csv");
    assert_eq!(page.count(&format!("a[href='{csv}'][download]")), 1, "no link to {csv}");
    // Five candidates, and figures to three decimals: the first item's row shows facility 0.6.
    assert_eq!(page.text(".stat-total .stat-n"), "5", "{page}");
    assert_eq!(page.text(".stat-total > span:last-child"), "考生人数");
    let cells = item_cells(&html, &first);
    assert_eq!(cells[1], "5", "taken by five: {cells:?}");
    assert_eq!(cells[2], "0.600", "facility 0.6 to 3 decimals: {cells:?}");
    // Five candidates are too few for reliability or flags: said, not computed.
    assert!(page.text("#analysis-caveat").contains("少于 30 人"), "{page}");
    assert_eq!(
        (
            page.count("table.analysis-items tr.flagged"),
            page.count(".analysis-flag-count")
        ),
        (0, 0),
        "no item flagged: {page}"
    );
    assert_eq!(cells.last().map(String::as_str), Some("—"), "{cells:?}");
    // The paper's full marks, not the sum of every item drawn.
    assert!(page.text(".room-status").contains("满分 150 分"), "{page}");

    // A voided item gives everyone its points, a blank included, as the results do: the third
    // item, which nobody answered, has facility 1 once voided (it was 0 in the analysis).
    let third = paper.objective[2].item_id.to_string();
    let facility_of = |html: &str, item: &str| item_cells(html, item)[2].clone();
    assert_eq!(facility_of(&html, &third), "0.000");
    let _: serde_json::Value = office
        .post_ok(
            &format!("/api/office/events/{ev}/key-corrections"),
            serde_json::json!({ "item_id": third, "void": true, "reason": "专家组复核：题干有误，作废" }),
        )
        .await;
    let (_, voided) = office.get_text(&format!("/office/analysis?event={ev}")).await;
    assert_eq!(facility_of(&voided, &third), "1.000");
    if let Ok(dir) = std::env::var("KAOWU_ANALYSIS_HTML") {
        std::fs::write(dir, &html).unwrap();
    }

    // A candidate (and someone not logged in) is sent to the staff login, never shown the page.
    for client in [candidate, app.client()] {
        let (status, text) = client.get_text(&format!("/office/analysis?event={ev}")).await;
        assert_eq!(status, StatusCode::OK, "the redirect ends on the staff login");
        assert!(!text.contains("题目分析") && !text.contains(&first), "{text:.500}");
        assert_eq!(Page::parse(&text).text("main h1"), "工作人员登录", "{text:.500}");
        let raw = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(app.url(&format!("/office/analysis?event={ev}")))
            .send()
            .await
            .unwrap();
        assert!(raw.status().is_redirection(), "{}", raw.status());
        assert_eq!(raw.headers()["location"], "/staff-login");
    }
    // A proctor is not the exam office either.
    let (_, text) = proctor.get_text(&format!("/office/analysis?event={ev}")).await;
    assert!(!text.contains(&first), "{text:.500}");
    app.finish().await;
}

/// With a paper of its own per candidate (the demo event) no item is common to all, so the
/// analysis reports the stratified coefficient over the blueprint's cells instead of α.
#[tokio::test]
async fn own_papers_get_a_stratified_reliability_over_the_blueprints_cells() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (i, ticket) in ["DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004"].into_iter().enumerate() {
        let answers: Vec<(String, &str)> = (1..=40)
            .map(|n| (n.to_string(), ["A", "B", "C", "D"][(n * (i + 1)) % 4]))
            .collect();
        let saves: Vec<(i64, &str, &str)> = answers
            .iter()
            .enumerate()
            .map(|(k, (slot, value))| (k as i64 + 1, slot.as_str(), *value))
            .chain([(41, "open", "1,2,3"), (42, "open-1", "建立质量目标并逐层分解。")])
            .collect();
        app.sat(ticket, &saves).await;
    }
    let settings = question_bank::analysis::AnalysisSettings {
        min_candidates: 0,
        ..Default::default()
    };
    let a = app
        .exam
        .analyse_event(app.event_id, &settings)
        .await
        .expect("the analysis");
    assert!(
        a.test.alpha_items < a.test.items,
        "α covers only the few items common to all four papers: {:?}",
        a.test
    );
    assert!(a.test.stratified_alpha.is_some(), "{:?}", a.test);
    assert_eq!(a.test.strata, 13, "6 modules × 2 kinds and the open part");
    assert_eq!(a.test.max_possible, question_bank::Points::whole(150));
    // Under the default minimum of 30 candidates, it is withheld like α.
    let a = app.exam.analyse_event(app.event_id, &Default::default()).await.unwrap();
    assert_eq!((a.test.stratified_alpha, a.test.too_few_candidates), (None, true));
    app.finish().await;
}

//! The QTI 3.0 package `kaowu bank export --format qti` writes opens in a QTI 3 player that is
//! not ours: Citolab's `@citolab/qti-components` (web components, GPL-3.0, fetched from the npm
//! registry at test time with `npm pack`, never committed), in headless Chromium.
//!
//! Every item of the demo bank is loaded from the exported package by the player's own loader
//! (`qtiTransformItem().load`), rendered, and driven: the stem and every option show with the
//! bank's text, the pictures load, an open question gives a text box and keeps its scoring rubric
//! from the candidate's view, and the player's own response processing gives a choice item's full
//! points for the bank's key and 0 for a wrong answer. Without npm (or the registry) or Chromium
//! the test is skipped loudly.

use std::path::{Path, PathBuf};
use std::process::Command;

use question_bank::{Bank, ItemBody, ItemKind};
use serde_json::{Value, json};

use crate::common::browser::browser_test;
use crate::common::cli::{assert_exit, demo_bank, kaowu, workspace};

/// The player's version: pinned, so that what passed once passes again.
const PLAYER: &str = "@citolab/qti-components@7.27.4";

/// The harness page: the player's ES module and stylesheet, and one function the test calls per
/// item. Responses are set through the item element's API and scored by the player's own response
/// processing.
const HARNESS: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>QTI 3 播放器</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/player/dist/item.css"></head>
<body><div id="stage"></div>
<script type="module">
import { qtiTransformItem } from '/player/cdn/index.js';
const settle = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
const score = (item, value) => {
  item.updateResponseVariable('RESPONSE', value);
  item.processResponse();
  return item.getOutcome('SCORE').value;
};
window.openItem = async (href, correct, wrong) => {
  const api = await qtiTransformItem().load(href);
  const stage = document.getElementById('stage');
  stage.replaceChildren(api.path(href.slice(0, href.lastIndexOf('/') + 1)).htmlDoc());
  await customElements.whenDefined('qti-assessment-item');
  const item = stage.querySelector('qti-assessment-item');
  await item.updateComplete;
  await settle();
  const shown = e => e.getClientRects().length > 0;
  const ext = item.querySelector('qti-extended-text-interaction');
  const out = {
    identifier: item.getAttribute('identifier'),
    stem: [...item.querySelectorAll('qti-item-body > p')].filter(p => !p.querySelector('img'))
      .map(p => p.textContent.trim()),
    choices: [...item.querySelectorAll('qti-simple-choice')]
      .map(c => [c.getAttribute('identifier'), c.textContent.trim(), shown(c)]),
    maxChoices: item.querySelector('qti-choice-interaction')?.getAttribute('max-choices') ?? null,
    images: await Promise.all([...item.querySelectorAll('img')].map(async i => {
      try { await i.decode(); } catch (e) {}
      return i.naturalWidth;
    })),
    textBox: !!(ext && ext.shadowRoot && ext.shadowRoot.querySelector('textarea')),
    rubricShown: [...item.querySelectorAll('qti-rubric-block')].some(shown),
  };
  if (correct !== null) {
    out.correctScore = score(item, correct);
    out.wrongScore = score(item, wrong);
    out.maxScore = item.getOutcome('MAXSCORE').value;
  }
  return out;
};
window.playerReady = true;
</script></body></html>
"#;

/// The player's package folder (`cdn/`, `dist/`), fetched once into target/qti-player/; `None`
/// (with the reason) when npm or the registry is not there.
fn player() -> Result<PathBuf, String> {
    let version = PLAYER.rsplit('@').next().unwrap_or(PLAYER);
    let dir = workspace().join("target/qti-player").join(version);
    let package = dir.join("package");
    if package.join("cdn/index.js").exists() {
        return Ok(package);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let packed = Command::new("npm")
        .args(["pack", PLAYER, "--silent", "--pack-destination"])
        .arg(&dir)
        .output()
        .map_err(|e| format!("npm is not installed ({e}); the player comes from the npm registry"))?;
    if !packed.status.success() {
        return Err(format!(
            "`npm pack {PLAYER}` failed: {}",
            String::from_utf8_lossy(&packed.stderr).trim()
        ));
    }
    let tarball = String::from_utf8_lossy(&packed.stdout).trim().to_string();
    let unpacked = Command::new("tar")
        .arg("xzf")
        .arg(dir.join(&tarball))
        .arg("-C")
        .arg(&dir)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    if !unpacked.success() || !package.join("cdn/index.js").exists() {
        return Err(format!("{tarball} did not unpack to package/cdn/index.js"));
    }
    Ok(package)
}

/// The demo bank exported by the real binary, unpacked into `root/pkg/`.
fn exported_package(root: &Path) {
    let file = root.join("demo-qti.zip");
    let out = kaowu([
        "bank",
        "export",
        demo_bank().to_str().expect("UTF-8 path"),
        "--format",
        "qti",
        "--out",
        file.to_str().expect("UTF-8 path"),
    ]);
    assert_exit(&out, 0);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&file).expect("the package")).expect("a ZIP");
    zip.extract(root.join("pkg")).expect("unpack the package");
}

#[test]
fn the_exported_qti_package_opens_and_scores_in_a_qti3_player() {
    let player = match player() {
        Ok(p) => p,
        Err(why) => return crate::common::skip("QTI 3 player", &why),
    };
    browser_test(|driver| async move {
        let root = tempfile::tempdir().expect("tempdir");
        exported_package(root.path());
        std::fs::write(root.path().join("index.html"), HARNESS).expect("harness");
        // The package and the player, as a web server would hand them to a browser.
        let app = axum::Router::new()
            .nest_service("/player", tower_http::services::ServeDir::new(&player))
            .fallback_service(tower_http::services::ServeDir::new(root.path()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });

        let manifest = std::fs::read_to_string(root.path().join("pkg/imsmanifest.xml")).expect("manifest");
        let bank = Bank::load(&demo_bank()).expect("the demo bank");
        let b = driver.browser().await;
        b.goto(&format!("{base}/index.html")).await;
        b.wait_js("the player to load", "return window.playerReady === true")
            .await;

        let (mut choices, mut opens, mut pictures) = (0, 0, 0);
        for item in &bank.items {
            let href = format!("pkg/items/{}.xml", item.id);
            assert!(
                manifest.contains(&format!("href=\"items/{}.xml\"", item.id)),
                "{href} is listed in the manifest"
            );
            let (correct, wrong) = match &item.body {
                ItemBody::Choice { key, options, .. } => {
                    let letters: Vec<String> = key.iter().map(|l| l.as_char().to_string()).collect();
                    let other = (0..options.len())
                        .map(|i| ((b'A' + i as u8) as char).to_string())
                        .find(|l| !letters.contains(l))
                        .expect("an option outside the key");
                    if item.kind() == ItemKind::Single {
                        (json!(letters[0]), json!(other))
                    } else {
                        (json!(letters), json!([other]))
                    }
                }
                ItemBody::Open { .. } => (Value::Null, Value::Null),
            };
            let seen =
                b.wd.execute(
                    "return await window.openItem(arguments[0], arguments[1], arguments[2])",
                    vec![json!(format!("/{href}")), correct, wrong],
                )
                .await
                .unwrap_or_else(|e| panic!("the player could not open {href}: {e}"));
            let id = item.id.as_str();
            assert_eq!(seen["identifier"], json!(id), "{seen}");
            let stem: Vec<&str> = item.stem.lines().map(str::trim).collect();
            assert_eq!(seen["stem"], json!(stem), "{id}: the stem as the bank has it");
            let images = seen["images"].as_array().expect("images");
            assert_eq!(images.len(), item.images.len(), "{id}: its pictures");
            assert!(
                images.iter().all(|w| w.as_u64() > Some(0)),
                "{id}: every picture loads: {seen}"
            );
            pictures += images.len();
            match &item.body {
                ItemBody::Choice { options, key, .. } => {
                    choices += 1;
                    let mut shown: Vec<(String, String)> = seen["choices"]
                        .as_array()
                        .expect("choices")
                        .iter()
                        .map(|c| {
                            assert_eq!(c[2], json!(true), "{id}: option {c} is on the screen");
                            (c[0].as_str().unwrap().to_string(), c[1].as_str().unwrap().to_string())
                        })
                        .collect();
                    shown.sort();
                    let authored: Vec<(String, String)> = options
                        .iter()
                        .enumerate()
                        .map(|(i, o)| (((b'A' + i as u8) as char).to_string(), o.clone()))
                        .collect();
                    assert_eq!(shown, authored, "{id}: every option with its text");
                    let (points, max) = if item.kind() == ItemKind::Single {
                        ("1", "1")
                    } else {
                        ("2", &*options.len().to_string())
                    };
                    assert_eq!(seen["maxChoices"], json!(max), "{id}");
                    assert_eq!(
                        seen["correctScore"],
                        json!(points),
                        "{id}: the key {key:?} scores full points"
                    );
                    assert_eq!(seen["maxScore"], json!(points), "{id}");
                    assert_eq!(seen["wrongScore"], json!("0"), "{id}: a wrong answer scores 0");
                }
                ItemBody::Open { .. } => {
                    opens += 1;
                    assert_eq!(seen["textBox"], json!(true), "{id}: a text box to write in: {seen}");
                    assert_eq!(
                        seen["rubricShown"],
                        json!(false),
                        "{id}: the rubric is for scorers only"
                    );
                }
            }
            if id == "M6-S-002" {
                b.shot("qti-player-M6-S-002").await;
            }
        }
        assert!(
            choices > 0 && opens > 0 && pictures > 0,
            "{choices} choice, {opens} open, {pictures} pictures"
        );
        // Closing checks that the player logged no script error.
        b.close().await;
    });
}

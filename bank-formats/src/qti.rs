//! IMS/1EdTech QTI: 3.0 content packages (a ZIP with `imsmanifest.xml` listing
//! `imsqti_item_xmlv3p0` resources) and single item files in QTI 3.0 (`qti-assessment-item`)
//! or 2.1/2.2 (`assessmentItem`). Both vocabularies are read by one reader: QTI 3 names are
//! QTI 2 names in kebab case with a `qti-` prefix (`qti-choice-interaction max-choices` is
//! `choiceInteraction maxChoices`).
//!
//! A choice interaction is single (cardinality `single`, or `max-choices="1"`) or multiple;
//! the key is the correct response, or the mapping's positive entries where there is none. An
//! extended-text interaction is an open question; its rubric is a scorer's rubric block. Any
//! other interaction (match, order, hotspot …) is named as not imported. Shuffle is read and
//! left to the engine, which shuffles anyway.
//!
//! Pictures of the stem (`<img src>` and `<object type="image/…" data>` in the item body or the
//! prompt) are found relative to the item file inside the package (a `data:` URI holds its own);
//! a single item file comes without its pictures, which are named. The export keeps them in the
//! package's `images/`, each a `webcontent` resource the item depends on.
//!
//! Kaowu's own fields travel in the item as outcome declarations a player ignores:
//! `KAOWU_MODULE`, `KAOWU_KNOWLEDGE_POINT`, `KAOWU_DIFFICULTY`, `KAOWU_TAGS`, and `KAOWU_STATUS`
//! (`draft` or `retired`, written only for an item that is not active, as a bank file writes
//! `status`; an item without it is active); the explanation is a scorer's rubric block with
//! `use="kaowu-explanation"`, the rubric one with `use="scoring"` holding a
//! `<p>要点（N分）</p>` per point.

use std::fmt::Write as _;
use std::io::{Cursor, Read as _, Write as _};

use question_bank::{Bank, Item, ItemBody, ItemKind, Module, Status};

use crate::draft::{Draft, Reading, Skipped, kind_points, status_word};
use crate::report::{ImportProblem, Place};
use crate::text::{parse_difficulty, parse_points, parse_rubric, parse_status};
use crate::xml::{self, Element, Node, esc};

/// QTI 3 `qti-choice-interaction` → `choiceInteraction`; QTI 2 names unchanged.
fn norm(name: &str) -> String {
    let local = name.rsplit(':').next().unwrap_or(name);
    match local.strip_prefix("qti-") {
        Some(rest) => {
            let mut out = String::new();
            let mut upper = false;
            for c in rest.chars() {
                if c == '-' {
                    upper = true;
                } else if upper {
                    out.push(c.to_ascii_uppercase());
                    upper = false;
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => local.to_string(),
    }
}

/// An attribute by its QTI 2 name (`maxChoices`) or its QTI 3 name (`max-choices`).
fn get<'a>(e: &'a Element, camel: &str) -> Option<&'a str> {
    e.attr(camel).or_else(|| {
        let mut kebab = String::new();
        for c in camel.chars() {
            if c.is_ascii_uppercase() {
                kebab.push('-');
                kebab.push(c.to_ascii_lowercase());
            } else {
                kebab.push(c);
            }
        }
        e.attr(&kebab)
    })
}

fn is(e: &Element, name: &str) -> bool {
    norm(&e.name) == name
}

fn children<'a>(e: &'a Element, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
    e.elements().filter(move |c| is(c, name))
}

fn child<'a>(e: &'a Element, name: &str) -> Option<&'a Element> {
    e.elements().find(|c| is(c, name))
}

fn interaction_name_zh(name: &str) -> &'static str {
    match name {
        "orderInteraction" => "排序",
        "matchInteraction" => "匹配",
        "associateInteraction" => "关联",
        "gapMatchInteraction" => "拖放填空",
        "inlineChoiceInteraction" => "下拉填空",
        "textEntryInteraction" => "填空",
        "hotspotInteraction" => "热点",
        "hottextInteraction" => "热文本",
        "graphicOrderInteraction" => "图形排序",
        "graphicAssociateInteraction" => "图形关联",
        "graphicGapMatchInteraction" => "图形拖放",
        "selectPointInteraction" => "选点",
        "positionObjectInteraction" => "定位",
        "sliderInteraction" => "滑块",
        "uploadInteraction" => "上传文件",
        "drawingInteraction" => "绘图",
        "mediaInteraction" => "媒体播放",
        "customInteraction" | "portableCustomInteraction" => "自定义",
        "endAttemptInteraction" => "结束作答",
        _ => "其他",
    }
}

/// A picture of XHTML content: its `src` (or an image object's `data`) and what the report
/// calls it.
struct Pic {
    src: String,
    what: String,
}

/// Text of XHTML content, block elements on lines of their own, with what could not be kept and
/// the pictures.
fn content_text(e: &Element, lost: &mut Vec<String>, pics: &mut Vec<Pic>) -> String {
    let mut out = String::new();
    walk_content(e, &mut out, lost, pics);
    crate::html::tidy_lines(&out)
}

/// Text of content whose pictures cannot be kept (an option, a rubric block): named.
fn text_without_pictures(e: &Element, lost: &mut Vec<String>, where_zh: &str) -> String {
    let mut pics = Vec::new();
    let text = content_text(e, lost, &mut pics);
    for p in pics {
        note(lost, crate::picture::not_in_stem(&p.what, where_zh));
    }
    text
}

/// An `<object>` that is a picture: by its type, else by its file's extension.
fn is_image_object(e: &Element) -> bool {
    let data = e.attr("data").unwrap_or("").to_ascii_lowercase();
    match e.attr("type") {
        Some(t) => t.trim().to_ascii_lowercase().starts_with("image/"),
        None => [".png", ".jpg", ".jpeg", ".gif", ".svg", ".bmp", ".webp"]
            .iter()
            .any(|x| data.ends_with(x)),
    }
}

fn note(lost: &mut Vec<String>, message: String) {
    if !lost.contains(&message) {
        lost.push(message);
    }
}

fn walk_content(e: &Element, out: &mut String, lost: &mut Vec<String>, pics: &mut Vec<Pic>) {
    for c in &e.children {
        let c = match c {
            Node::Text(t) => {
                out.push_str(t);
                continue;
            }
            Node::Element(c) => c,
        };
        let name = norm(&c.name);
        match name.as_str() {
            "p" | "div" | "br" | "li" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "blockquote"
            | "pre" | "tr" | "hr" | "dd" | "dt" | "figure" | "figcaption" | "contentBody" => {
                out.push('\n');
                walk_content(c, out, lost, pics);
                out.push('\n');
            }
            "td" | "th" => {
                out.push('\t');
                walk_content(c, out, lost, pics);
            }
            "table" => {
                note(lost, "表格已按文字导入，行列格式未保留".into());
                out.push('\n');
                walk_content(c, out, lost, pics);
                out.push('\n');
            }
            "img" => {
                let src = c.attr("src").unwrap_or("").to_string();
                let what = c.attr("alt").filter(|a| !a.trim().is_empty()).unwrap_or(&src);
                pics.push(Pic {
                    what: what.to_string(),
                    src,
                });
            }
            "object" if is_image_object(c) => {
                let src = c.attr("data").unwrap_or("").to_string();
                pics.push(Pic { what: src.clone(), src });
            }
            "math" => note(lost, "公式（MathML）未导入：Kaowu 暂不能表示公式".into()),
            "svg" => note(lost, "矢量图（SVG）未导入：Kaowu 只收 PNG 或 JPEG 图片".into()),
            "object" | "audio" | "video" | "picture" | "iframe" => {
                let source = c.elements().find(|s| s.local() == "source").and_then(|s| s.attr("src"));
                let what = c.attr("data").or(c.attr("src")).or(source).unwrap_or(&name);
                note(lost, format!("多媒体内容“{what}”未导入"));
            }
            "feedbackInline" | "feedbackBlock" | "modalFeedback" => {
                note(lost, "反馈内容未保留".into());
            }
            "templateInline" | "templateBlock" | "printedVariable" => {
                note(lost, "模板变量（template）未导入：Kaowu 的题目没有变量".into());
            }
            "rubricBlock" | "stylesheet" | "catalogInfo" | "prompt" | "simpleChoice" => {}
            n if n.ends_with("Interaction") => {}
            _ => walk_content(c, out, lost, pics),
        }
    }
}

struct Declaration {
    identifier: String,
    cardinality: String,
    correct: Vec<String>,
    mapping: Vec<(String, f64)>,
}

fn declarations(root: &Element) -> Vec<Declaration> {
    children(root, "responseDeclaration")
        .map(|d| Declaration {
            identifier: get(d, "identifier").unwrap_or("").to_string(),
            cardinality: get(d, "cardinality").unwrap_or("").to_string(),
            correct: child(d, "correctResponse")
                .map(|c| children(c, "value").map(|v| v.text().trim().to_string()).collect())
                .unwrap_or_default(),
            mapping: child(d, "mapping")
                .map(|m| {
                    children(m, "mapEntry")
                        .map(|e| {
                            (
                                get(e, "mapKey").unwrap_or("").to_string(),
                                get(e, "mappedValue").and_then(|v| v.parse().ok()).unwrap_or(0.0),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// The default value(s) of an outcome declaration.
fn outcome(root: &Element, identifier: &str) -> Option<Vec<String>> {
    let d = children(root, "outcomeDeclaration").find(|d| get(d, "identifier") == Some(identifier))?;
    let values = child(d, "defaultValue")?;
    Some(children(values, "value").map(|v| v.text().trim().to_string()).collect())
}

pub fn read(file_name: &str, bytes: &[u8]) -> Reading {
    let mut reading = Reading::default();
    let file_problem = |file: &str, message: String| ImportProblem {
        file: file.to_string(),
        place: Place::File,
        item: None,
        field: None,
        message,
    };
    if !bytes.starts_with(b"PK\x03\x04") {
        let (text, _) = crate::decode_text(bytes);
        // A single item file: its pictures are files next to it that were not sent.
        let mut fetch = |src: &str| crate::picture::data_uri(src);
        read_item_file(file_name, &text, 1, &mut fetch, &mut reading);
        return reading;
    }
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            reading
                .file_problems
                .push(file_problem(file_name, format!("无法作为 ZIP 题目包读取：{e}")));
            return reading;
        }
    };
    let names = crate::zip_names(&zip);
    let Some(manifest_name) = names
        .iter()
        .filter(|n| n.rsplit('/').next() == Some("imsmanifest.xml"))
        .min_by_key(|n| n.len())
        .cloned()
    else {
        reading.file_problems.push(file_problem(
            file_name,
            "ZIP 中没有 imsmanifest.xml，不是 QTI 题目包".into(),
        ));
        return reading;
    };
    let base = manifest_name.strip_suffix("imsmanifest.xml").unwrap_or("").to_string();
    let read_entry = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Option<String> {
        let mut f = zip.by_name(name).ok()?;
        let mut b = Vec::new();
        f.read_to_end(&mut b).ok()?;
        Some(crate::decode_text(&b).0)
    };
    let manifest_file = format!("{file_name}/{manifest_name}");
    let manifest = match read_entry(&mut zip, &manifest_name).map(|t| xml::parse(&t)) {
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            reading.file_problems.push(file_problem(&manifest_file, e));
            return reading;
        }
        None => {
            reading
                .file_problems
                .push(file_problem(&manifest_file, "无法读取 imsmanifest.xml".into()));
            return reading;
        }
    };
    let resources: Vec<&Element> = manifest
        .child("resources")
        .map(|r| r.children_named("resource").collect())
        .unwrap_or_default();
    let mut position = 0;
    for r in resources {
        let kind = r.attr("type").unwrap_or("");
        let href = r.attr("href").unwrap_or("");
        if kind.starts_with("imsqti_item_xmlv") {
            position += 1;
            let path = format!("{base}{href}");
            let file = format!("{file_name}/{path}");
            match read_entry(&mut zip, &path) {
                Some(text) => {
                    // Pictures are found relative to the item file, inside the package.
                    let mut fetch = |src: &str| match crate::picture::resolve(&path, src) {
                        Some(entry) => crate::picture::zip_entry(&mut zip, &entry),
                        None => crate::picture::data_uri(src),
                    };
                    read_item_file(&file, &text, position, &mut fetch, &mut reading)
                }
                None => reading.file_problems.push(file_problem(
                    &manifest_file,
                    format!("清单中的题目文件“{href}”不在包中"),
                )),
            }
        } else if kind.starts_with("imsqti_xmlv1") || kind.starts_with("imsqti_item_xmlv1") {
            position += 1;
            reading.skipped.push(Skipped {
                file: manifest_file.clone(),
                place: Place::Element(format!(
                    "manifest/resources/resource[identifier={}]",
                    r.attr("identifier").unwrap_or("")
                )),
                item: r.attr("identifier").map(str::to_string),
                message: "QTI 1.x 的题目：Kaowu 只读 QTI 2.1、2.2 和 3.0，未导入".into(),
            });
        }
    }
    if reading.drafts.is_empty() && reading.skipped.is_empty() && reading.file_problems.is_empty() {
        reading.file_problems.push(file_problem(
            &manifest_file,
            "清单中没有题目资源（type 为 imsqti_item_xmlv3p0、imsqti_item_xmlv2p2 等）".into(),
        ));
    }
    reading
}

/// One item file; `fetch` gives the bytes of a picture the item body points at, if the
/// package holds them.
fn read_item_file(
    file: &str,
    text: &str,
    position: usize,
    fetch: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    reading: &mut Reading,
) {
    let root = match xml::parse(text) {
        Ok(r) => r,
        Err(e) => {
            reading.file_problems.push(ImportProblem {
                file: file.to_string(),
                place: Place::File,
                item: None,
                field: None,
                message: e,
            });
            return;
        }
    };
    let root_name = norm(&root.name);
    if root_name != "assessmentItem" {
        let message = if root_name == "questestinterop" {
            "QTI 1.x 的文件：Kaowu 只读 QTI 2.1、2.2 和 3.0，未导入".to_string()
        } else {
            format!(
                "不是 QTI 题目：根元素应为 qti-assessment-item 或 assessmentItem，实为 {}",
                root.name
            )
        };
        reading.file_problems.push(ImportProblem {
            file: file.to_string(),
            place: Place::File,
            item: None,
            field: None,
            message,
        });
        return;
    }
    let identifier = get(&root, "identifier").unwrap_or("").to_string();
    let item_path = format!("{}[identifier={identifier}]", root.name);
    let Some(body) = child(&root, "itemBody") else {
        reading.skipped.push(Skipped {
            file: file.to_string(),
            place: Place::Element(item_path),
            item: Some(identifier),
            message: "没有题目正文（itemBody），未导入".into(),
        });
        return;
    };
    let body_path = format!("{item_path}/{}", body.name);
    // Interactions anywhere in the body, each with its path.
    let mut interactions: Vec<(&Element, String)> = Vec::new();
    fn find<'a>(e: &'a Element, path: &str, out: &mut Vec<(&'a Element, String)>) {
        for c in e.elements() {
            let p = format!("{path}/{}", c.name);
            if norm(&c.name).ends_with("Interaction") {
                out.push((c, p));
            } else {
                find(c, &p, out);
            }
        }
    }
    find(body, &body_path, &mut interactions);
    let kaowu = outcome(&root, "KAOWU_MODULE");
    let id = if kaowu.is_some() {
        get(&root, "title").map(str::to_string).unwrap_or(identifier.clone())
    } else {
        identifier.clone()
    };
    let skip = |reading: &mut Reading, place: String, message: String| {
        reading.skipped.push(Skipped {
            file: file.to_string(),
            place: Place::Element(place),
            item: Some(id.clone()),
            message,
        });
    };
    let supported = |e: &Element| matches!(norm(&e.name).as_str(), "choiceInteraction" | "extendedTextInteraction");
    if let Some((other, path)) = interactions.iter().find(|(e, _)| !supported(e)) {
        let name = norm(&other.name);
        skip(
            reading,
            path.clone(),
            format!(
                "{}题（{}）：Kaowu 只有单选题、多选题和开放题，本题未导入",
                interaction_name_zh(&name),
                other.name
            ),
        );
        return;
    }
    let (interaction, path) = match interactions.as_slice() {
        [] => {
            skip(reading, body_path, "没有作答交互（只是说明性内容），未导入".into());
            return;
        }
        [one] => one.clone(),
        [_, second, ..] => {
            skip(
                reading,
                second.1.clone(),
                format!(
                    "一题中有 {} 个作答交互：Kaowu 的每道题只有一问，本题未导入",
                    interactions.len()
                ),
            );
            return;
        }
    };

    let mut d = Draft::new(file, Place::Element(path), format!("{position:04}"));
    d.id = Some(id).filter(|s| !s.is_empty());
    d.id_is_title = true;
    let mut lost = Vec::new();
    let mut pics = Vec::new();
    let mut stem = content_text(body, &mut lost, &mut pics);
    if let Some(prompt) = child(interaction, "prompt") {
        let p = content_text(prompt, &mut lost, &mut pics);
        if !p.is_empty() {
            if !stem.is_empty() {
                stem.push('\n');
            }
            stem.push_str(&p);
        }
    }
    d.stem = stem;
    for p in pics {
        let inline = p.src.trim_start().starts_with("data:");
        let source = if inline { p.what.as_str() } else { p.src.as_str() };
        let source = if source.starts_with("data:") {
            "内嵌图片"
        } else {
            source
        };
        let hint = (!inline).then(|| crate::picture::base_name(&p.src));
        d.picture(source, hint.as_deref(), fetch(&p.src));
    }
    if let Some(m) = kaowu.as_ref().and_then(|v| v.first()) {
        match m.parse::<i64>().ok().and_then(Module::new) {
            Some(m) => d.module = Some(m),
            None => d.problem("module", format!("KAOWU_MODULE“{m}”不在 1–6 之内")),
        }
    }
    if let Some(kp) = outcome(&root, "KAOWU_KNOWLEDGE_POINT").and_then(|v| v.into_iter().next()) {
        d.knowledge_point = Some(kp).filter(|k| !k.is_empty());
    }
    if let Some(n) = outcome(&root, "KAOWU_DIFFICULTY").and_then(|v| v.into_iter().next()) {
        match parse_difficulty(&n) {
            Ok(n) => d.difficulty = Some(n),
            Err(e) => d.problem("difficulty", e),
        }
    }
    d.tags = outcome(&root, "KAOWU_TAGS").unwrap_or_default();
    if let Some(s) = outcome(&root, "KAOWU_STATUS").and_then(|v| v.into_iter().next()) {
        match parse_status(&s) {
            Ok(s) => d.status = s,
            Err(_) => d.problem(
                "status",
                format!("KAOWU_STATUS“{s}”无法识别：应为 draft、retired 或 active"),
            ),
        }
    }
    if let Some(max) = outcome(&root, "MAXSCORE").and_then(|v| v.into_iter().next()) {
        d.points = parse_points(&max);
    }
    // Rubric blocks: the scorer's are the rubric (and Kaowu's explanation); others are named.
    let mut rubric_text = String::new();
    for block in body.descendants().into_iter().filter(|e| is(e, "rubricBlock")) {
        let view = get(block, "view").unwrap_or("");
        let text = text_without_pictures(block, &mut lost, "评分说明（rubricBlock）");
        match get(block, "use") {
            Some("kaowu-explanation") => d.explanation = Some(text).filter(|t| !t.is_empty()),
            _ if view.split_whitespace().any(|v| v == "scorer") => {
                if !rubric_text.is_empty() {
                    rubric_text.push('\n');
                }
                rubric_text.push_str(&text);
            }
            _ => note(&mut lost, format!("给{}看的说明（rubricBlock）未导入", view_zh(view))),
        }
    }
    let decls = declarations(&root);
    let response = get(interaction, "responseIdentifier").unwrap_or("RESPONSE");
    let decl = decls.iter().find(|x| x.identifier == response);
    match norm(&interaction.name).as_str() {
        "extendedTextInteraction" => {
            d.kind = Some(ItemKind::Open);
            if !rubric_text.is_empty() {
                match parse_rubric(&rubric_text) {
                    Ok(r) => d.rubric = r,
                    Err(e) => d.problem("rubric", e),
                }
            }
        }
        _ => {
            if !rubric_text.is_empty() {
                note(&mut lost, "选择题的评分说明（rubricBlock）未导入".into());
            }
            let choices: Vec<&Element> = interaction
                .descendants()
                .into_iter()
                .filter(|e| is(e, "simpleChoice"))
                .collect();
            let ids: Vec<&str> = choices.iter().map(|c| get(c, "identifier").unwrap_or("")).collect();
            for c in &choices {
                d.options.push(text_without_pictures(c, &mut lost, "选项"));
            }
            let max: Option<i64> = get(interaction, "maxChoices").and_then(|m| m.parse().ok());
            let single = match decl.map(|x| x.cardinality.as_str()) {
                Some("single") => true,
                Some("multiple" | "ordered") => false,
                _ => max == Some(1),
            };
            d.kind = Some(if single { ItemKind::Single } else { ItemKind::Multi });
            let correct: Vec<String> = match decl {
                Some(x) if !x.correct.is_empty() => x.correct.clone(),
                Some(x) => x
                    .mapping
                    .iter()
                    .filter(|(_, v)| *v > 0.0)
                    .map(|(k, _)| k.clone())
                    .collect(),
                None => Vec::new(),
            };
            let mut key = String::new();
            for c in &correct {
                match ids.iter().position(|i| i == c) {
                    Some(i) if i < 26 => key.push((b'A' + i as u8) as char),
                    _ => d.problem("key", format!("正确答案“{c}”不是本题任何选项的 identifier")),
                }
            }
            d.key = Some(key).filter(|k| !k.is_empty());
            if correct.is_empty() {
                d.problem(
                    "key",
                    "没有正确答案（responseDeclaration 中既没有 correctResponse，也没有得分为正的 mapping）",
                );
            }
        }
    }
    if children(&root, "modalFeedback").next().is_some() {
        note(&mut lost, "反馈（modalFeedback）未保留：Kaowu 只保留整题的解析".into());
    }
    if children(&root, "templateDeclaration").next().is_some() {
        note(
            &mut lost,
            "模板变量（template）未导入：Kaowu 的题目没有变量，按模板原文导入".into(),
        );
    }
    for message in lost {
        d.lost.push(message);
    }
    reading.drafts.push(d);
}

fn view_zh(view: &str) -> &'static str {
    match view.split_whitespace().next().unwrap_or("") {
        "candidate" => "考生",
        "tutor" => "辅导教师",
        "proctor" => "监考",
        "testConstructor" => "组卷人",
        "author" => "命题人",
        _ => "其他角色",
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

const ITEM_NS: &str = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0";
const ITEM_XSD: &str = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0p1_v1p0.xsd";
const CP_NS: &str = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1";
const CP_XSD: &str = "https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd";

/// A QTI identifier must start with a letter or `_`; Kaowu ids may start with a digit.
fn qti_identifier(id: &str) -> String {
    if id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.to_string()
    } else {
        format!("K{id}")
    }
}

fn outcome_decl(out: &mut String, identifier: &str, cardinality: &str, base_type: &str, values: &[String]) {
    let _ = write!(
        out,
        "  <qti-outcome-declaration identifier=\"{identifier}\" cardinality=\"{cardinality}\" base-type=\"{base_type}\">\n    <qti-default-value>"
    );
    for v in values {
        let _ = write!(out, "<qti-value>{}</qti-value>", esc(v));
    }
    out.push_str("</qti-default-value>\n  </qti-outcome-declaration>\n");
}

fn paragraphs(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}<p>{}</p>", esc(line));
    }
}

/// One item as a QTI 3.0 `qti-assessment-item`.
pub fn item_xml(item: &Item) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<qti-assessment-item xmlns=\"{ITEM_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{ITEM_NS} {ITEM_XSD}\" identifier=\"{}\" title=\"{}\" adaptive=\"false\" time-dependent=\"false\" xml:lang=\"zh-CN\">",
        esc(&qti_identifier(item.id.as_str())),
        esc(item.id.as_str())
    );
    match &item.body {
        ItemBody::Choice { key, .. } => {
            let cardinality = if key.len() == 1 { "single" } else { "multiple" };
            let _ = write!(
                out,
                "  <qti-response-declaration identifier=\"RESPONSE\" cardinality=\"{cardinality}\" base-type=\"identifier\">\n    <qti-correct-response>"
            );
            for l in key {
                let _ = write!(out, "<qti-value>{}</qti-value>", l.as_char());
            }
            out.push_str("</qti-correct-response>\n  </qti-response-declaration>\n");
        }
        ItemBody::Open { .. } => out.push_str(
            "  <qti-response-declaration identifier=\"RESPONSE\" cardinality=\"single\" base-type=\"string\"/>\n",
        ),
    }
    let points = kind_points(item.kind()).to_string();
    outcome_decl(&mut out, "SCORE", "single", "float", &["0".to_string()]);
    outcome_decl(&mut out, "MAXSCORE", "single", "float", std::slice::from_ref(&points));
    outcome_decl(
        &mut out,
        "KAOWU_MODULE",
        "single",
        "integer",
        &[item.module.number().to_string()],
    );
    if let Some(kp) = &item.knowledge_point {
        outcome_decl(
            &mut out,
            "KAOWU_KNOWLEDGE_POINT",
            "single",
            "string",
            std::slice::from_ref(kp),
        );
    }
    if let Some(d) = item.difficulty {
        outcome_decl(&mut out, "KAOWU_DIFFICULTY", "single", "integer", &[d.to_string()]);
    }
    if !item.tags.is_empty() {
        outcome_decl(&mut out, "KAOWU_TAGS", "multiple", "string", &item.tags);
    }
    if item.status != Status::Active {
        outcome_decl(
            &mut out,
            "KAOWU_STATUS",
            "single",
            "identifier",
            &[status_word(item.status).to_string()],
        );
    }
    out.push_str("  <qti-item-body>\n");
    paragraphs(&mut out, "    ", &item.stem);
    // The pictures under the stem, files of the package's images/ (the item is in items/).
    for p in &item.images {
        let _ = writeln!(
            out,
            "    <p><img src=\"../{IMAGES_DIR}/{0}\" alt=\"{0}\"/></p>",
            esc(&p.file)
        );
    }
    match &item.body {
        ItemBody::Choice { options, key, .. } => {
            let max = if key.len() == 1 { 1 } else { options.len() };
            let _ = writeln!(
                out,
                "    <qti-choice-interaction response-identifier=\"RESPONSE\" shuffle=\"true\" max-choices=\"{max}\">"
            );
            for (i, o) in options.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "      <qti-simple-choice identifier=\"{}\">{}</qti-simple-choice>",
                    (b'A' + i as u8) as char,
                    esc(o)
                );
            }
            out.push_str("    </qti-choice-interaction>\n");
        }
        ItemBody::Open { rubric } => {
            out.push_str("    <qti-extended-text-interaction response-identifier=\"RESPONSE\"/>\n");
            out.push_str("    <qti-rubric-block view=\"scorer\" use=\"scoring\">\n      <qti-content-body>\n");
            for r in rubric {
                let _ = writeln!(out, "        <p>{}（{}分）</p>", esc(&r.point), r.share);
            }
            out.push_str("      </qti-content-body>\n    </qti-rubric-block>\n");
        }
    }
    if let Some(e) = &item.explanation {
        out.push_str("    <qti-rubric-block view=\"scorer\" use=\"kaowu-explanation\">\n      <qti-content-body>\n");
        paragraphs(&mut out, "        ", e);
        out.push_str("      </qti-content-body>\n    </qti-rubric-block>\n");
    }
    out.push_str("  </qti-item-body>\n");
    if item.kind() != ItemKind::Open {
        let _ = writeln!(
            out,
            "  <qti-response-processing>\n    <qti-response-condition>\n      <qti-response-if>\n        <qti-match><qti-variable identifier=\"RESPONSE\"/><qti-correct identifier=\"RESPONSE\"/></qti-match>\n        <qti-set-outcome-value identifier=\"SCORE\"><qti-base-value base-type=\"float\">{points}</qti-base-value></qti-set-outcome-value>\n      </qti-response-if>\n      <qti-response-else>\n        <qti-set-outcome-value identifier=\"SCORE\"><qti-base-value base-type=\"float\">0</qti-base-value></qti-set-outcome-value>\n      </qti-response-else>\n    </qti-response-condition>\n  </qti-response-processing>"
        );
    }
    out.push_str("</qti-assessment-item>\n");
    out
}

/// The manifest of a package holding `items/<id>.xml` for each item.
pub fn manifest_xml(bank: &Bank) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<manifest xmlns=\"{CP_NS}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"{CP_NS} {CP_XSD}\" identifier=\"{}\">",
        esc(&qti_identifier(&format!("MANIFEST-{}", bank.id)))
    );
    out.push_str("  <metadata>\n    <schema>QTI Package</schema>\n    <schemaversion>3.0.0</schemaversion>\n  </metadata>\n  <organizations/>\n  <resources>\n");
    for item in &bank.items {
        let href = format!("items/{}.xml", item.id);
        let _ = writeln!(
            out,
            "    <resource identifier=\"R-{}\" type=\"imsqti_item_xmlv3p0\" href=\"{}\">\n      <file href=\"{}\"/>",
            esc(item.id.as_str()),
            esc(&href),
            esc(&href)
        );
        for p in &item.images {
            let _ = writeln!(
                out,
                "      <dependency identifierref=\"{}\"/>",
                picture_resource(&p.file)
            );
        }
        out.push_str("    </resource>\n");
    }
    // Each picture once, as web content the items depend on.
    for file in package_pictures(bank).keys() {
        let href = format!("{IMAGES_DIR}/{file}");
        let _ = writeln!(
            out,
            "    <resource identifier=\"{}\" type=\"webcontent\" href=\"{}\">\n      <file href=\"{}\"/>\n    </resource>",
            picture_resource(file),
            esc(&href),
            esc(&href)
        );
    }
    out.push_str("  </resources>\n</manifest>\n");
    out
}

/// Where an exported package keeps the pictures.
const IMAGES_DIR: &str = "images";

/// A picture's resource identifier in the manifest (an XML ID: a bank file name after a letter).
fn picture_resource(file: &str) -> String {
    format!("IMG-{}", esc(file))
}

/// The pictures the bank's items show, by file name.
fn package_pictures(bank: &Bank) -> std::collections::BTreeMap<&str, &[u8]> {
    bank.items
        .iter()
        .flat_map(|i| &i.images)
        .filter_map(|p| bank.images.get(&p.file).map(|b| (p.file.as_str(), b.as_slice())))
        .collect()
}

pub fn export(bank: &Bank) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.start_file("imsmanifest.xml", options)?;
    w.write_all(manifest_xml(bank).as_bytes())?;
    for item in &bank.items {
        w.start_file(format!("items/{}.xml", item.id), options)?;
        w.write_all(item_xml(item).as_bytes())?;
    }
    // PNG and JPEG are compressed already.
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (file, bytes) in package_pictures(bank) {
        w.start_file(format!("{IMAGES_DIR}/{file}"), stored)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

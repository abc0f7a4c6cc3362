//! QTI: the export is a QTI 3.0 package whose every required part is there (a structural check
//! of the manifest and each item against what the QTI 3.0 schemas require), and items written
//! for the tests cover a mapping without a correct response and an item with two interactions.

use std::collections::HashMap;
use std::io::Read as _;

use bank_formats::{Format, ImportOptions, export, import, import_with};
use question_bank::{ItemBody, Module};
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::common::*;

/// Every element of a document: its path from the root, attributes and own text.
struct Doc {
    elements: Vec<(String, HashMap<String, String>, String)>,
}

impl Doc {
    fn parse(text: &str) -> Doc {
        let mut reader = Reader::from_str(text);
        let mut stack: Vec<(String, usize)> = Vec::new();
        let mut elements: Vec<(String, HashMap<String, String>, String)> = Vec::new();
        loop {
            let event = reader.read_event().expect("well-formed XML");
            let start = |e: &quick_xml::events::BytesStart<'_>, stack: &[(String, usize)]| {
                let name = e.name().as_ref().to_string();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        (a.key.as_ref().to_string(), a.value.to_string())
                    })
                    .collect();
                let path: Vec<&str> = stack.iter().map(|(n, _)| n.as_str()).chain([name.as_str()]).collect();
                (name.clone(), (path.join("/"), attrs, String::new()))
            };
            match event {
                Event::Start(e) => {
                    let (name, el) = start(&e, &stack);
                    elements.push(el);
                    stack.push((name, elements.len() - 1));
                }
                Event::Empty(e) => elements.push(start(&e, &stack).1),
                Event::Text(t) => {
                    if let Some((_, i)) = stack.last() {
                        elements[*i].2.push_str(&t.xml10_content());
                    }
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        Doc { elements }
    }

    fn all(&self, path: &str) -> Vec<(&HashMap<String, String>, &str)> {
        self.elements
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, a, t)| (a, t.as_str()))
            .collect()
    }

    fn one(&self, path: &str) -> (&HashMap<String, String>, &str) {
        let all = self.all(path);
        assert_eq!(all.len(), 1, "exactly one {path}");
        all[0]
    }
}

#[test]
fn the_qti_export_is_a_qti_3_package_with_every_required_part() {
    let bank = demo_bank();
    let bytes = export(&bank, Format::Qti).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the package"))
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let manifest = Doc::parse(&read("imsmanifest.xml"));
    let (root, _) = manifest.one("manifest");
    assert_eq!(root["xmlns"], "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1");
    assert!(root.contains_key("identifier"));
    assert_eq!(manifest.one("manifest/metadata/schema").1, "QTI Package");
    assert_eq!(manifest.one("manifest/metadata/schemaversion").1, "3.0.0");
    manifest.one("manifest/organizations");
    let resources = manifest.all("manifest/resources/resource");
    let files = manifest.all("manifest/resources/resource/file");
    assert_eq!(resources.len(), bank.items.len());
    assert_eq!(files.len(), bank.items.len());
    let mut identifiers = std::collections::HashSet::new();
    for ((r, _), (f, _)) in resources.iter().zip(&files) {
        assert_eq!(r["type"], "imsqti_item_xmlv3p0");
        assert_eq!(r["href"], f["href"]);
        assert!(
            identifiers.insert(r["identifier"].clone()),
            "resource identifiers are unique"
        );
        assert!(
            r["identifier"].starts_with(|c: char| c.is_ascii_alphabetic()),
            "an XML ID"
        );
    }

    for ((r, _), item) in resources.iter().zip(&bank.items) {
        let doc = Doc::parse(&read(&r["href"]));
        let root = "qti-assessment-item";
        let (attrs, _) = doc.one(root);
        assert_eq!(attrs["xmlns"], "http://www.imsglobal.org/xsd/imsqtiasi_v3p0");
        for required in ["identifier", "title", "time-dependent"] {
            assert!(attrs.contains_key(required), "{required} on {}", item.id);
        }
        // The schema's order: declarations, then the body, then response processing.
        let top: Vec<&str> = doc
            .elements
            .iter()
            .filter_map(|(p, _, _)| p.strip_prefix("qti-assessment-item/"))
            .filter(|p| !p.contains('/'))
            .collect();
        let rank = |name: &str| match name {
            "qti-response-declaration" => 0,
            "qti-outcome-declaration" => 1,
            "qti-item-body" => 2,
            "qti-response-processing" => 3,
            other => panic!("unexpected {other}"),
        };
        assert!(top.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{top:?}");
        let (decl, _) = doc.one("qti-assessment-item/qti-response-declaration");
        assert_eq!(decl["identifier"], "RESPONSE");
        for (o, _) in doc.all("qti-assessment-item/qti-outcome-declaration") {
            assert!(o.contains_key("identifier") && o.contains_key("cardinality") && o.contains_key("base-type"));
        }
        let module = doc
            .elements
            .iter()
            .position(|(p, a, _)| {
                p == "qti-assessment-item/qti-outcome-declaration" && a["identifier"] == "KAOWU_MODULE"
            })
            .expect("the module travels as KAOWU_MODULE");
        assert_eq!(doc.elements[module + 2].2, item.module.number().to_string());
        match &item.body {
            ItemBody::Choice { options, key, .. } => {
                let cardinality = if key.len() == 1 { "single" } else { "multiple" };
                assert_eq!(decl["cardinality"], cardinality);
                assert_eq!(decl["base-type"], "identifier");
                let body = "qti-assessment-item/qti-item-body/qti-choice-interaction";
                let (interaction, _) = doc.one(body);
                assert_eq!(interaction["response-identifier"], "RESPONSE");
                let max: usize = interaction["max-choices"].parse().unwrap();
                if key.len() == 1 {
                    assert_eq!(max, 1);
                } else {
                    assert!(max > 1);
                }
                let choices: Vec<String> = doc
                    .all(&format!("{body}/qti-simple-choice"))
                    .iter()
                    .map(|(a, _)| a["identifier"].clone())
                    .collect();
                assert_eq!(choices.len(), options.len());
                let correct = doc.all("qti-assessment-item/qti-response-declaration/qti-correct-response/qti-value");
                assert_eq!(correct.len(), key.len());
                assert!(correct.iter().all(|(_, v)| choices.iter().any(|c| c == v)));
                doc.one("qti-assessment-item/qti-response-processing");
            }
            ItemBody::Open { rubric } => {
                assert_eq!(
                    (decl["cardinality"].as_str(), decl["base-type"].as_str()),
                    ("single", "string")
                );
                let (interaction, _) = doc.one("qti-assessment-item/qti-item-body/qti-extended-text-interaction");
                assert_eq!(interaction["response-identifier"], "RESPONSE");
                let blocks = doc.all("qti-assessment-item/qti-item-body/qti-rubric-block");
                let scoring = blocks.iter().find(|(a, _)| a["use"] == "scoring").expect("the rubric");
                assert_eq!(scoring.0["view"], "scorer");
                let points = doc.all("qti-assessment-item/qti-item-body/qti-rubric-block/qti-content-body/p");
                assert!(points.len() >= rubric.len());
            }
        }
    }
}

#[test]
fn a_qti_21_item_with_only_a_mapping_and_one_with_two_interactions() {
    let mapping = r#"<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="kano" title="Kano" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="R1" cardinality="multiple" baseType="identifier">
    <mapping lowerBound="0" defaultValue="0">
      <mapEntry mapKey="x1" mappedValue="1"/>
      <mapEntry mapKey="x3" mappedValue="1"/>
      <mapEntry mapKey="x2" mappedValue="-1"/>
    </mapping>
  </responseDeclaration>
  <outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float"><defaultValue><value>2</value></defaultValue></outcomeDeclaration>
  <itemBody>
    <p>卡诺模型把质量分为</p>
    <choiceInteraction responseIdentifier="R1" shuffle="true" maxChoices="0">
      <prompt>选出<b>两项</b></prompt>
      <simpleChoice identifier="x1">魅力质量</simpleChoice>
      <simpleChoice identifier="x2">符合性质量</simpleChoice>
      <simpleChoice identifier="x3">一元质量</simpleChoice>
      <simpleChoice identifier="x4">适用性质量</simpleChoice>
    </choiceInteraction>
  </itemBody>
</assessmentItem>"#;
    let options = ImportOptions {
        default_module: Module::new(2),
    };
    let kano = import_with("kano.xml", mapping.as_bytes(), Format::Qti, options);
    assert!(kano.problems.is_empty() && kano.not_represented.is_empty(), "{kano}");
    let it = &kano.items[0];
    assert_eq!(
        (it.stem.as_str(), key(it), it.module.number()),
        ("卡诺模型把质量分为\n选出两项", "AC".to_string(), 2)
    );

    let two = r#"<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="two" title="t" time-dependent="false">
  <qti-response-declaration identifier="A" cardinality="single" base-type="identifier"/>
  <qti-response-declaration identifier="B" cardinality="single" base-type="string"/>
  <qti-item-body>
    <qti-choice-interaction response-identifier="A" max-choices="1"><qti-simple-choice identifier="a">甲</qti-simple-choice></qti-choice-interaction>
    <qti-extended-text-interaction response-identifier="B"/>
  </qti-item-body>
</qti-assessment-item>"#;
    let import = import("two.xml", two.as_bytes(), Format::Qti);
    assert_eq!(
        spell(&import.not_represented),
        [p(
            "元素 qti-assessment-item[identifier=two]/qti-item-body/qti-extended-text-interaction",
            Some("two"),
            None,
            "一题中有 2 个作答交互：Kaowu 的每道题只有一问，本题未导入"
        )]
    );
    let old = import_with(
        "old.xml",
        b"<questestinterop><item ident=\"1\"/></questestinterop>",
        Format::Qti,
        ImportOptions::default(),
    );
    assert_eq!(
        spell(&old.problems),
        [p(
            "",
            None,
            None,
            "QTI 1.x 的文件：Kaowu 只读 QTI 2.1、2.2 和 3.0，未导入"
        )]
    );
}

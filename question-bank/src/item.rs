//! Items: single-choice (单选), multiple-choice (多选) and open questions (开放题), with keys,
//! rubrics and a content hash that makes any later change to an item detectable.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::module::Module;
use crate::points::Points;

/// An item's stable id: letters, digits, `-`, `_`, `.`; 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ItemId(String);

impl ItemId {
    pub fn parse(s: &str) -> Result<ItemId, String> {
        let ok = !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if ok {
            Ok(ItemId(s.to_string()))
        } else {
            Err(format!("题号“{s}”无效：只能由字母、数字、-、_、. 组成，长度 1–64"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ItemId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ItemId::parse(&s)
    }
}

impl From<ItemId> for String {
    fn from(id: ItemId) -> String {
        id.0
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An option label: A is 0, B is 1, … (at most 26 options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(u8);

impl Label {
    pub const MAX_OPTIONS: usize = 26;

    pub fn from_index(i: usize) -> Label {
        assert!(i < Self::MAX_OPTIONS, "option index {i} out of range");
        Label(i as u8)
    }

    pub fn from_char(c: char) -> Option<Label> {
        c.is_ascii_uppercase().then(|| Label(c as u8 - b'A'))
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub fn as_char(self) -> char {
        (b'A' + self.0) as char
    }
}

impl TryFrom<String> for Label {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let mut chars = s.chars();
        match (chars.next().and_then(Label::from_char), chars.next()) {
            (Some(l), None) => Ok(l),
            _ => Err(format!("“{s}”不是选项字母（应为 A、B、C…）")),
        }
    }
}

impl From<Label> for String {
    fn from(l: Label) -> String {
        l.as_char().to_string()
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

/// The two objective kinds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChoiceKind {
    Single,
    Multi,
}

impl ChoiceKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            ChoiceKind::Single => "单选题",
            ChoiceKind::Multi => "多选题",
        }
    }
}

/// All three kinds, as written in a bank file.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Single,
    Multi,
    Open,
}

impl ItemKind {
    pub fn parse(s: &str) -> Option<ItemKind> {
        match s {
            "single" => Some(ItemKind::Single),
            "multi" => Some(ItemKind::Multi),
            "open" => Some(ItemKind::Open),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ItemKind::Single => "单选题",
            ItemKind::Multi => "多选题",
            ItemKind::Open => "开放题",
        }
    }
}

impl From<ChoiceKind> for ItemKind {
    fn from(k: ChoiceKind) -> ItemKind {
        match k {
            ChoiceKind::Single => ItemKind::Single,
            ChoiceKind::Multi => ItemKind::Multi,
        }
    }
}

/// Whether an item may be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    #[default]
    Active,
    Retired,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "draft" => Some(Status::Draft),
            "active" => Some(Status::Active),
            "retired" => Some(Status::Retired),
            _ => None,
        }
    }
}

/// One marking point of an open question and its share of the item's points.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RubricPoint {
    pub point: String,
    pub share: Points,
}

/// What differs between kinds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ItemBody {
    Choice {
        choice: ChoiceKind,
        /// Option texts in authored order; option `i` has label `Label::from_index(i)`.
        options: Vec<String>,
        /// Correct labels, sorted, without repeats.
        key: Vec<Label>,
    },
    Open {
        rubric: Vec<RubricPoint>,
    },
}

/// A checked item. Built by the bank loader (or the synthesiser), so its invariants hold:
/// ≥ 4 distinct options, a key of the right size within the options, a rubric adding up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub module: Module,
    pub status: Status,
    pub stem: String,
    pub body: ItemBody,
    pub explanation: Option<String>,
    pub knowledge_point: Option<String>,
    /// The author's estimate, 1 (easy) – 5 (hard).
    pub difficulty: Option<u8>,
    pub tags: Vec<String>,
    /// Pictures shown under the stem (a control chart, a Pareto chart, a fishbone diagram), in
    /// order. Items stored before pictures existed have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ItemImage>,
}

/// A picture of an item: a PNG or JPEG file in the bank folder's `images/`, named on a paper, in
/// the store and in a URL by the SHA-256 of its bytes (so changing the picture changes the item's
/// content hash, and one picture used by several items is kept once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemImage {
    /// The file's name in the bank's `images/` folder.
    pub file: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
}

/// The picture formats an item may carry, told by their first bytes: (content type, extension).
pub fn image_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

/// SHA-256 of an item's content, hex. Status is not content: retiring an item does not change it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentHash(pub String);

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Item {
    pub fn kind(&self) -> ItemKind {
        match &self.body {
            ItemBody::Choice { choice, .. } => (*choice).into(),
            ItemBody::Open { .. } => ItemKind::Open,
        }
    }

    /// Only active items are drawn onto papers.
    pub fn is_active(&self) -> bool {
        self.status == Status::Active
    }

    /// A hash over every content field, in a fixed order, so editing a stem, an option, a key,
    /// a rubric or even an explanation is detectable after the item has been used.
    pub fn content_hash(&self) -> ContentHash {
        #[derive(Serialize)]
        struct Content<'a> {
            id: &'a ItemId,
            module: Module,
            stem: &'a str,
            body: &'a ItemBody,
            explanation: &'a Option<String>,
            knowledge_point: &'a Option<String>,
            difficulty: Option<u8>,
            tags: &'a [String],
            // Left out when empty, so items without pictures keep the hashes they always had.
            #[serde(skip_serializing_if = "Vec::is_empty")]
            images: Vec<&'a str>,
        }
        let content = Content {
            id: &self.id,
            module: self.module,
            stem: &self.stem,
            body: &self.body,
            explanation: &self.explanation,
            knowledge_point: &self.knowledge_point,
            difficulty: self.difficulty,
            tags: &self.tags,
            images: self.images.iter().map(|i| i.sha256.as_str()).collect(),
        };
        let bytes = serde_json::to_vec(&content).expect("item content serialises");
        ContentHash(hex::encode(Sha256::digest(bytes)))
    }
}

/// In the API a label is its letter, an item id its text.
#[cfg(feature = "openapi")]
mod schemas {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

    impl utoipa::PartialSchema for super::Label {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Z]$"))
                .description(Some("选项字母"))
                .build()
                .into()
        }
    }
    impl utoipa::ToSchema for super::Label {}

    impl utoipa::PartialSchema for super::ItemId {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("题库中的题目编号"))
                .build()
                .into()
        }
    }
    impl utoipa::ToSchema for super::ItemId {}
}

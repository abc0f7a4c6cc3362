//! The six modules of the CMQ syllabus (知识大纲), numbered as in the guide.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A syllabus module, 1–6. Constructed only through [`Module::new`], so an invalid one cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Module(u8);

const NAMES: [(&str, &str); 6] = [
    ("质量与质量管理", "Quality and quality management"),
    ("质量驱动力", "Quality drivers"),
    ("卓越绩效模式", "Performance excellence model"),
    ("质量管理体系", "Quality management systems"),
    ("管理技能和方法", "Management skills and methods"),
    ("质量管理工具", "Quality management tools"),
];

impl Module {
    pub const COUNT: u8 = 6;

    pub fn new(n: i64) -> Option<Module> {
        (1..=Self::COUNT as i64).contains(&n).then_some(Module(n as u8))
    }

    pub fn all() -> impl Iterator<Item = Module> {
        (1..=Self::COUNT).map(Module)
    }

    pub fn number(self) -> u8 {
        self.0
    }

    pub fn name_zh(self) -> &'static str {
        NAMES[self.0 as usize - 1].0
    }

    pub fn name_en(self) -> &'static str {
        NAMES[self.0 as usize - 1].1
    }
}

impl TryFrom<u8> for Module {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Module::new(n as i64).ok_or_else(|| format!("模块编号 {n} 不在 1–6 之内"))
    }
}

impl From<Module> for u8 {
    fn from(m: Module) -> u8 {
        m.0
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "模块{} {}", self.0, self.name_zh())
    }
}

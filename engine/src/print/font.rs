//! The font papers are set in: a 宋体-style serif shipped with the project, so a fresh machine
//! prints Chinese without any font installed.
//!
//! `assets/fonts/NotoSerifSC-Subset.otf` is Noto Serif CJK SC cut down to GB 2312,
//! punctuation, symbols and every character of the demo bank (SIL OFL, licence beside it;
//! `make-subset.py` there rebuilds it). A bank may still use a rarer character: then a full
//! system CJK font is used for that document instead, and if there is none the caller gets
//! [`PrintError::MissingGlyphs`] naming the characters — never a paper with blank boxes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use printpdf::ParsedFont;

use super::PrintError;

/// The shipped subset (about 5 MB; printpdf embeds only the glyphs a document uses).
const EMBEDDED: &[u8] = include_bytes!("../../../assets/fonts/NotoSerifSC-Subset.otf");

/// Full CJK fonts tried, in order, when the shipped subset lacks a character: Debian's
/// fonts-noto-cjk (serif first: it is the same design as the subset), then other common ones.
/// The number is the face in a collection (.ttc); Noto CJK's face 2 is Simplified Chinese.
const SYSTEM_FONTS: &[(&str, usize)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
];

/// Environment variable naming another font file to fall back to (`PATH` or `PATH#FACE`).
pub const FONT_ENV: &str = "KAOWU_PRINT_FONT";

/// Where a font came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FontSource {
    Embedded,
    File { path: PathBuf, face: usize },
}

impl std::fmt::Display for FontSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FontSource::Embedded => f.write_str("内置字体 Noto Serif SC（子集）"),
            FontSource::File { path, face } => write!(f, "{}（字体集合索引 {face}）", path.display()),
        }
    }
}

/// A parsed font with the metrics layout needs.
pub struct PrintFont {
    pub(crate) parsed: ParsedFont,
    pub source: FontSource,
    units_per_em: f32,
}

impl PrintFont {
    /// The shipped subset.
    pub fn embedded() -> Result<PrintFont, PrintError> {
        PrintFont::parse(EMBEDDED, 0, FontSource::Embedded)
    }

    /// Reads one face of a font file (.otf, .ttf or a .ttc collection).
    pub fn from_file(path: &Path, face: usize) -> Result<PrintFont, PrintError> {
        let bytes =
            std::fs::read(path).map_err(|e| PrintError::Font(format!("无法读取字体 {}：{e}", path.display())))?;
        PrintFont::parse(
            &bytes,
            face,
            FontSource::File {
                path: path.to_path_buf(),
                face,
            },
        )
    }

    fn parse(bytes: &[u8], face: usize, source: FontSource) -> Result<PrintFont, PrintError> {
        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, face, &mut warnings)
            .ok_or_else(|| PrintError::Font(format!("{source} 无法解析")))?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        Ok(PrintFont {
            parsed,
            source,
            units_per_em,
        })
    }

    /// Fonts to try when the shipped one lacks characters: `KAOWU_PRINT_FONT` first, then the
    /// usual system locations that exist on this machine.
    pub fn fallbacks() -> Vec<(PathBuf, usize)> {
        let mut out = Vec::new();
        if let Ok(spec) = std::env::var(FONT_ENV) {
            let (path, face) = match spec.rsplit_once('#') {
                Some((p, f)) if f.parse::<usize>().is_ok() => (p.to_string(), f.parse().unwrap_or(0)),
                _ => (spec, 0),
            };
            out.push((PathBuf::from(path), face));
        }
        out.extend(
            SYSTEM_FONTS
                .iter()
                .map(|&(p, face)| (PathBuf::from(p), face))
                .filter(|(p, _)| p.exists()),
        );
        out
    }

    pub fn has(&self, c: char) -> bool {
        c == '\n' || self.parsed.lookup_glyph_index(c as u32).is_some()
    }

    /// The characters of `chars` this font cannot show.
    pub fn missing(&self, chars: &BTreeSet<char>) -> BTreeSet<char> {
        chars.iter().copied().filter(|&c| !self.has(c)).collect()
    }

    /// Advance width of `c` in em; a missing character counts as 1 em so layout stays sane
    /// while the missing set is reported.
    pub fn advance_em(&self, c: char) -> f32 {
        match self.parsed.lookup_glyph_index(c as u32) {
            Some(gid) => f32::from(self.parsed.get_horizontal_advance(gid)) / self.units_per_em,
            None => 1.0,
        }
    }

    /// Width of `text` at `size` points, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance_em(c)).sum::<f32>() * size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_font_has_gb2312_punctuation_and_the_bank_symbols() {
        let font = PrintFont::embedded().unwrap();
        for c in "质量经理职业资格考试，。、；：？！（）《》“”‘’【】…—０１２ABCxyz123①②③□○●■×÷±≤≥σμ".chars()
        {
            assert!(font.has(c), "{c} missing");
        }
        // Full-width punctuation is 1 em, ASCII letters are narrower.
        assert!((font.advance_em('，') - 1.0).abs() < 0.01);
        assert!((font.advance_em('质') - 1.0).abs() < 0.01);
        assert!(font.advance_em('i') < 0.5);
    }

    #[test]
    fn a_character_outside_the_subset_is_reported_missing() {
        let font = PrintFont::embedded().unwrap();
        // U+E000 is in the Private Use Area, which no subset of ours will ever include.
        let chars: BTreeSet<char> = "质量\u{E000}".chars().collect();
        assert_eq!(font.missing(&chars), BTreeSet::from(['\u{E000}']));
    }
}

//! Pictures as the formats carry them: found by a reader (a Word relationship, an `<img src>`
//! in a package, a base64 `<file>` in Moodle XML, a picture anchored on a worksheet row), kept
//! when they are PNG or JPEG, named for the bank's `images/` folder. Whether a picture is fit for
//! a bank (its size, its bytes) is the loader's to say, as for a bank folder.

use base64::Engine as _;

/// A picture a reader found in a question's stem.
#[derive(Debug, Clone)]
pub struct Picture {
    /// How the source names it (`word/media/image1.png`, `images/pareto.png`), for the report.
    pub source: String,
    /// A file name the source gives it, kept when it is a valid bank file name (so that an
    /// export read back names its pictures as the bank did).
    pub name_hint: Option<String>,
    pub bytes: Vec<u8>,
}

/// What a picture that is not PNG or JPEG is, for the report (`GIF`, `SVG`, `EMF` …), told by
/// its bytes first and its name second.
pub fn kind_of(source: &str, bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(256)];
    let by_bytes = if head.starts_with(b"GIF8") {
        Some("GIF")
    } else if head.starts_with(b"BM") {
        Some("BMP")
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if head.starts_with(b"\xD7\xCD\xC6\x9A") || head.starts_with(b"\x01\0\x09\0") {
        Some("WMF")
    } else if head.len() >= 44 && head.starts_with(b"\x01\0\0\0") && &head[40..44] == b" EMF" {
        Some("EMF")
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some("WebP")
    } else if String::from_utf8_lossy(head).contains("<svg") {
        Some("SVG")
    } else {
        None
    };
    match by_bytes {
        Some(k) => k.to_string(),
        None => match source.rsplit_once('.').map(|(_, e)| e.to_ascii_uppercase()) {
            Some(e) if !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()) => e,
            _ => "未知".to_string(),
        },
    }
}

/// The report's message for a picture that cannot come with its question.
pub fn not_png_or_jpeg(source: &str, bytes: &[u8]) -> String {
    format!(
        "图片“{source}”是 {} 格式，Kaowu 只收 PNG 或 JPEG 图片：本题导入时不含此图片（可另存为 PNG 后重新导入）",
        kind_of(source, bytes)
    )
}

/// The report's message for a picture the source points at but does not hold.
pub fn missing(source: &str) -> String {
    format!("图片“{source}”不在文件中：本题导入时不含此图片")
}

/// The report's message for a picture outside a question's stem (in an option, the explanation …).
pub fn not_in_stem(source: &str, where_zh: &str) -> String {
    format!("{where_zh}中的图片“{source}”未导入：Kaowu 的图片只显示在题干下")
}

/// A bank picture's file name: letters, digits, `-`, `_`, `.`, ending in .png, .jpg or .jpeg
/// (the loader's own rule, question-bank/BANK-FORMAT.md).
pub fn valid_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.len() <= 128
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && [".png", ".jpg", ".jpeg"].iter().any(|e| lower.ends_with(e))
}

/// The last part of a path or URL, percent-decoded: `../images/my%20chart.png` → `my chart.png`.
pub fn base_name(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    percent_decode(path.rsplit(['/', '\\']).next().unwrap_or(path))
}

/// `%20` and friends decoded (as UTF-8); anything malformed is kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// `href` relative to the file `from` inside a package (`items/q1.xml` + `../images/a.png` →
/// `images/a.png`); `None` when it leaves the package or is a URL.
pub fn resolve(from: &str, href: &str) -> Option<String> {
    let href = percent_decode(href.split(['?', '#']).next().unwrap_or(href));
    if href.contains("://") || href.starts_with("data:") {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    if !href.starts_with('/') {
        parts.extend(from.split('/'));
        parts.pop();
    }
    for p in href.trim_start_matches('/').split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The bytes of a `data:image/…;base64,…` URI.
pub fn data_uri(src: &str) -> Option<Vec<u8>> {
    let rest = src.trim().strip_prefix("data:")?;
    let (head, data) = rest.split_once(',')?;
    if !head.ends_with(";base64") {
        return None;
    }
    decode_base64(data)
}

/// Base64 as XML files carry it: wrapped over lines, padded or not.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean.trim_end_matches('='))
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(clean.trim_end_matches('=')))
        .ok()
}

pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An entry of a package, at most 64 MB of it (a picture larger than the loader's 2 MB is
/// refused by the loader with its size; a ZIP bomb is not unpacked whole).
pub fn zip_entry<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let f = zip.by_name(name).ok()?;
    let mut bytes = Vec::new();
    f.take(64 << 20).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            resolve("items/q1.xml", "../images/a.png").as_deref(),
            Some("images/a.png")
        );
        assert_eq!(resolve("q1.xml", "a%20b.png").as_deref(), Some("a b.png"));
        assert_eq!(resolve("items/q1.xml", "../../a.png"), None);
        assert_eq!(resolve("items/q1.xml", "http://x/a.png"), None);
        assert_eq!(base_name("@@PLUGINFILE@@/my%20chart.png"), "my chart.png");
        assert!(valid_name("M6-S-001-1.png") && !valid_name("帕累托图.png") && !valid_name("a.gif"));
        assert_eq!(decode_base64("aGk=\n").unwrap(), b"hi");
        assert_eq!(data_uri("data:image/png;base64,aGk").unwrap(), b"hi");
        assert_eq!(kind_of("x.gif", b"GIF89a"), "GIF");
        assert_eq!(kind_of("x.emf", b"??"), "EMF");
    }
}

//! HTML (Moodle's question text, GIFT's `[html]`) to the plain text Kaowu holds, naming what
//! is lost (formulas, media, tables) and handing over the pictures (`<img>`) for the reader to
//! resolve in its own format. HTML here is rarely well-formed XML (`<br>`,
//! `&nbsp;`), so it is read by a small tolerant scanner rather than the XML parser.

/// The text, one message per kind of thing that could not be kept, and the pictures.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plain {
    pub text: String,
    pub lost: Vec<String>,
    /// Each `<img>`, in order.
    pub images: Vec<Img>,
}

/// An `<img>`: its `src` as written, and what the report calls it (its alt text, else its file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Img {
    pub src: String,
    pub what: String,
}

impl Plain {
    /// What was lost, the pictures included, for a format or a field that cannot carry them.
    pub fn lost_with_images(&self, why: &str) -> Vec<String> {
        let mut lost = self.lost.clone();
        for img in &self.images {
            note(&mut lost, format!("图片“{}”未导入：{why}", img.what));
        }
        lost
    }
}

const BLOCKS: [&str; 18] = [
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "table",
    "blockquote",
    "pre",
    "hr",
    "dd",
];

fn note(lost: &mut Vec<String>, message: String) {
    if !lost.contains(&message) {
        lost.push(message);
    }
}

/// `@@PLUGINFILE@@/flag-uk.jpg` → `flag-uk.jpg`.
fn file_name(src: &str) -> String {
    src.rsplit('/').next().unwrap_or(src).to_string()
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_lowercase();
    let at = lower.find(&format!("{name}="))?;
    let rest = &tag[at + name.len() + 1..];
    let (quote, rest) = match rest.chars().next()? {
        q @ ('"' | '\'') => (q, &rest[1..]),
        _ => (' ', rest),
    };
    let end = rest.find([quote, '>']).unwrap_or(rest.len());
    Some(decode_entities(&rest[..end]))
}

pub fn to_text(html: &str) -> Plain {
    let mut out = String::new();
    let mut lost = Vec::new();
    let mut images = Vec::new();
    let mut rest = html;
    // Content of these is skipped whole (and named when it is a formula or media).
    let mut skip_until: Option<String> = None;
    while !rest.is_empty() {
        if let Some(end_tag) = &skip_until {
            match rest.to_lowercase().find(end_tag.as_str()) {
                Some(i) => {
                    let after = &rest[i..];
                    rest = &after[after.find('>').map(|j| j + 1).unwrap_or(after.len())..];
                    skip_until = None;
                }
                None => rest = "",
            }
            continue;
        }
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map(|i| &comment[i + 3..]).unwrap_or("");
            continue;
        }
        if rest.starts_with('<') && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') {
            let end = rest.find('>').unwrap_or(rest.len() - 1);
            let tag = &rest[1..end];
            rest = &rest[(end + 1).min(rest.len())..];
            let closing = tag.starts_with('/');
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
                .collect::<String>()
                .to_lowercase();
            let local = name.rsplit(':').next().unwrap_or(&name).to_string();
            if BLOCKS.contains(&local.as_str()) {
                out.push('\n');
            } else if local == "td" || local == "th" {
                out.push('\t');
            }
            if closing {
                continue;
            }
            match local.as_str() {
                "img" => {
                    let src = attr(tag, "src").unwrap_or_default();
                    let what = attr(tag, "alt")
                        .filter(|a| !a.trim().is_empty())
                        .unwrap_or_else(|| file_name(&src));
                    images.push(Img { src, what });
                }
                "math" => {
                    note(&mut lost, "公式（MathML）未导入：Kaowu 暂不能表示公式".into());
                    skip_until = Some(format!("</{name}"));
                }
                "svg" => {
                    note(&mut lost, "矢量图（SVG）未导入：Kaowu 只收 PNG 或 JPEG 图片".into());
                    skip_until = Some(format!("</{name}"));
                }
                "audio" | "video" | "object" | "embed" | "iframe" => {
                    note(&mut lost, format!("多媒体内容（{local}）未导入"));
                    if !tag.ends_with('/') {
                        skip_until = Some(format!("</{name}"));
                    }
                }
                "script" | "style" => skip_until = Some(format!("</{name}")),
                "table" => note(&mut lost, "表格已按文字导入，行列格式未保留".into()),
                "a" => {
                    if let Some(href) = attr(tag, "href").filter(|h| h.contains("@@PLUGINFILE@@")) {
                        note(&mut lost, format!("附件“{}”未导入", file_name(&href)));
                    }
                }
                _ => {}
            }
            continue;
        }
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..].find('<').map(|i| i + first).unwrap_or(rest.len());
        out.push_str(&decode_entities(&rest[..next]));
        rest = &rest[next..];
    }
    let text = tidy_lines(&out);
    if text.contains("$$") || text.contains("\\(") || text.contains("\\[") {
        note(&mut lost, "公式（TeX）按原文导入，Kaowu 不会排版公式".into());
    }
    Plain { text, lost, images }
}

/// Runs of spaces become one, each line is trimmed, blank lines dropped.
pub fn tidy_lines(s: &str) -> String {
    s.lines()
        .map(|l| {
            l.split(|c: char| c.is_whitespace() && c != '\u{3000}')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = if let Some(num) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(num, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .map(String::from)
            } else if let Some(num) = name.strip_prefix('#') {
                num.parse::<u32>().ok().and_then(char::from_u32).map(String::from)
            } else {
                match name {
                    "amp" => Some("&".into()),
                    "lt" => Some("<".into()),
                    "gt" => Some(">".into()),
                    "quot" => Some("\"".into()),
                    "apos" => Some("'".into()),
                    other => crate::xml::html_entity(other).map(|s| s.replace('\u{a0}', " ")),
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push_str(&c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Plain text as HTML for formats that carry HTML (Moodle): escaped, lines as `<br>`.
pub fn from_text(text: &str) -> String {
    text.lines()
        .map(|l| {
            l.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moodle_html_becomes_text_and_names_what_is_lost() {
        let p = to_text("<p><a href=\"@@PLUGINFILE@@/bonjour.mp3\">Listen:</a><br /><br />What&nbsp;language?</p>");
        assert_eq!(p.text, "Listen:\nWhat language?");
        assert_eq!(p.lost, ["附件“bonjour.mp3”未导入"]);
        let p = to_text("<p><img src=\"@@PLUGINFILE@@/flag-uk.jpg\" alt=\"British Flag\" /> English</p>");
        assert_eq!(p.text, "English");
        assert_eq!(
            p.images,
            [Img {
                src: "@@PLUGINFILE@@/flag-uk.jpg".into(),
                what: "British Flag".into()
            }]
        );
        assert_eq!(
            p.lost_with_images("GIFT 文本不能携带图片"),
            ["图片“British Flag”未导入：GIFT 文本不能携带图片"]
        );
        assert_eq!(to_text("x &lt; 2 &amp;&amp; y").text, "x < 2 && y");
        assert_eq!(from_text("a<b\nc"), "a&lt;b<br>c");
        assert_eq!(to_text(&from_text("a<b\nc & “d”")).text, "a<b\nc & “d”");
    }
}

//! A small XML tree read with quick-xml, enough for QTI items, Moodle XML and Word's
//! document.xml: elements with their attributes and text, entities resolved. Names are kept as
//! written (with their prefix); look-ups go by local name, so `w:p` is found as `p`.

use quick_xml::Reader;
use quick_xml::events::Event;

#[derive(Debug, Clone)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, Default)]
pub struct Element {
    /// As written, e.g. `w:p`, `qti-choice-interaction`.
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

impl Element {
    pub fn local(&self) -> &str {
        local(&self.name)
    }

    /// An attribute by local name (`w:val` is `val`; `xml:lang` is `lang`).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| local(k) == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.local() == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.local() == name)
    }

    /// Every descendant element, depth first, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
            for c in e.elements() {
                out.push(c);
                walk(c, out);
            }
        }
        walk(self, &mut out);
        out
    }

    /// All text inside, concatenated as it stands.
    pub fn text(&self) -> String {
        let mut s = String::new();
        fn walk(e: &Element, s: &mut String) {
            for c in &e.children {
                match c {
                    Node::Text(t) => s.push_str(t),
                    Node::Element(e) => walk(e, s),
                }
            }
        }
        walk(self, &mut s);
        s
    }
}

/// Parses a document into its root element. The error says where, in Chinese.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    let line_at = |pos: u64| {
        text.as_bytes()[..(pos as usize).min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML 格式错误（第 {} 行附近）：{e}", line_at(reader.error_position())))?;
        match event {
            Event::Start(e) => {
                stack.push(start(&e)?);
            }
            Event::Empty(e) => {
                let el = start(&e)?;
                push_node(&mut stack, Node::Element(el));
            }
            Event::End(_) => {
                let el = stack.pop().expect("the reader checks that ends match starts");
                if stack.is_empty() {
                    return Err("XML 格式错误：多余的结束标签".into());
                }
                push_node(&mut stack, Node::Element(el));
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(t) => push_text(&mut stack, &t.into_inner()),
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                let resolved = quick_xml::escape::unescape(&format!("&{name};"))
                    .map(|c| c.into_owned())
                    .unwrap_or_else(|_| html_entity(&name).map(str::to_string).unwrap_or(format!("&{name};")));
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(format!(
            "XML 格式错误：元素 {} 没有结束标签",
            stack.last().map(|e| e.name.as_str()).unwrap_or("")
        ));
    }
    let root = stack.pop().expect("one element left");
    root.elements()
        .next()
        .cloned()
        .ok_or_else(|| "XML 中没有任何元素".to_string())
}

fn start(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, String> {
    let name = e.name().as_ref().to_string();
    let mut attrs = Vec::new();
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| format!("XML 格式错误：元素 {name} 的属性有误：{err}"))?;
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| a.value.to_string());
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
    })
}

fn push_node(stack: &mut [Element], node: Node) {
    stack.last_mut().expect("the document element").children.push(node);
}

fn push_text(stack: &mut [Element], text: &str) {
    let top = stack.last_mut().expect("the document element");
    if let Some(Node::Text(t)) = top.children.last_mut() {
        t.push_str(text);
    } else {
        top.children.push(Node::Text(text.to_string()));
    }
}

/// The HTML entities XHTML content in QTI items still carries now and then.
pub fn html_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "nbsp" => "\u{a0}",
        "ldquo" => "“",
        "rdquo" => "”",
        "lsquo" => "‘",
        "rsquo" => "’",
        "mdash" => "—",
        "ndash" => "–",
        "hellip" => "…",
        "middot" => "·",
        "times" => "×",
        "divide" => "÷",
        "plusmn" => "±",
        "le" => "≤",
        "ge" => "≥",
        "ne" => "≠",
        "deg" => "°",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "laquo" => "«",
        "raquo" => "»",
        _ => return None,
    })
}

/// Text for an XML document: `<`, `>`, `&`, `"`, `'` escaped.
pub fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

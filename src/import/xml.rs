//! The XML element tree that Microsoft Project XML (MSPDI) and Primavera P6 XML share.

use quick_xml::events::Event;

use super::bad;
use crate::error::Result;

/// A minimal element tree.
#[derive(Debug, Default)]
pub(super) struct Node {
    pub(super) name: String,
    pub(super) text: String,
    pub(super) children: Vec<Node>,
}

impl Node {
    pub(super) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    pub(super) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    pub(super) fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }
}

/// The error for a document quick-xml cannot read.
pub(super) fn not_well_formed(file: &str, why: String) -> crate::error::Error {
    bad(
        file,
        format!("not well-formed XML: {why}"),
        "export the schedule again from Microsoft Project (File > Save As > XML)",
    )
}

/// Reads a whole document into a tree (`file` names it in messages).
pub(super) fn parse(bytes: &[u8], file: &str) -> Result<Node> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    // Not trimmed per event: text around an entity (`Design &amp; review`) comes in
    // pieces, and trimming each would join the words; `text_of` trims the whole.
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut buf = Vec::new();
    let invalid = |why: String| not_well_formed(file, why);
    loop {
        match reader.read_event_into(&mut buf) {
            Err(e) => return Err(invalid(format!("{e} at byte {}", reader.buffer_position()))),
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => {
                return Err(bad(
                    file,
                    "the XML has a document type declaration (DTD); slipcast refuses it rather than expand entities",
                    "remove the <!DOCTYPE …> line; Microsoft Project never writes one",
                ));
            }
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push(Node {
                    name,
                    ..Node::default()
                });
                if stack.len() > 64 {
                    return Err(invalid("elements nested more than 64 deep".into()));
                }
            }
            Ok(Event::Empty(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let Some(top) = stack.last_mut() {
                    top.children.push(Node {
                        name,
                        ..Node::default()
                    });
                }
            }
            Ok(Event::Text(t)) => {
                let s = t.decode().map_err(|e| invalid(e.to_string()))?;
                let s = quick_xml::escape::unescape(&s).map_err(|e| invalid(e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Ok(Event::GeneralRef(r)) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let ch = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".into(),
                    "gt" => ">".into(),
                    "quot" => "\"".into(),
                    "apos" => "'".into(),
                    n if n.starts_with('#') => {
                        let code = if let Some(h) = n.strip_prefix("#x") {
                            u32::from_str_radix(h, 16).ok()
                        } else {
                            n[1..].parse().ok()
                        };
                        code.and_then(char::from_u32)
                            .map(String::from)
                            .ok_or_else(|| invalid(format!("bad character reference &{n};")))?
                    }
                    n => {
                        return Err(invalid(format!(
                            "unknown entity &{n}; (entities are never expanded)"
                        )));
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&ch);
                }
            }
            Ok(Event::CData(c)) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Ok(Event::End(_)) => {
                let done = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    Some(top) => top.children.push(done),
                    None => return Err(invalid("unbalanced end tag".into())),
                }
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(invalid(
            "the document ends before its elements are closed (truncated?)".into(),
        ));
    }
    let mut root = stack.pop().unwrap_or_default();
    root.children
        .pop()
        .ok_or_else(|| invalid("empty document".into()))
}

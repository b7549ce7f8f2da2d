//! Reading messages from CSV: UTF-8 (a BOM is tolerated), a header row naming the columns in
//! any order. Errors name the line and the column.

use crate::model::{Document, Example};
use jiceng_kernel::Error;
use jiceng_kernel::error::codes;
use std::path::Path;

fn bad(line: u64, column: &str, what: &str) -> Error {
    Error::new(
        codes::MODEL_BAD_CSV,
        format!("第 {line} 行 {column} 列：{what}"),
    )
}

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| {
        Error::new(
            codes::MODEL_UNREADABLE_CSV,
            format!("无法读取文件 {}：{e}", path.display()),
        )
    })
}

/// Column positions of the header; the first of `names` that is present wins.
fn column(headers: &csv::ByteRecord, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| {
        headers
            .iter()
            .position(|h| std::str::from_utf8(h).is_ok_and(|h| h.trim() == *n))
    })
}

/// Rows of a CSV as (line, fields at the requested columns); a missing optional column
/// reads as empty.
fn rows(bytes: &[u8], wanted: &[(&[&str], bool)]) -> Result<Vec<(u64, Vec<String>)>, Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = rd
        .byte_headers()
        .map_err(|e| bad(1, "表头", &format!("无法解析：{e}")))?
        .clone();
    let mut cols = Vec::new();
    for (names, required) in wanted {
        let c = column(&headers, names);
        if c.is_none() && *required {
            return Err(bad(1, names[0], "表头缺少该列"));
        }
        cols.push((names[0], c));
    }
    let mut out = Vec::new();
    for rec in rd.byte_records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, "整行", &format!("无法解析：{e}"))
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let mut fields = Vec::new();
        for (name, c) in &cols {
            let raw = c.and_then(|c| rec.get(c)).unwrap_or(b"");
            let s =
                std::str::from_utf8(raw).map_err(|_| bad(line, name, "不是有效的 UTF-8 文本"))?;
            fields.push(s.trim().to_owned());
        }
        out.push((line, fields));
    }
    Ok(out)
}

/// Labelled examples from CSV bytes with columns `label`, `text` and optional `title`.
pub fn parse_examples(bytes: &[u8]) -> Result<Vec<Example>, Error> {
    let wanted: [(&[&str], bool); 3] = [(&["label"], true), (&["text"], true), (&["title"], false)];
    let mut out = Vec::new();
    for (line, f) in rows(bytes, &wanted)? {
        let [label, text, title] =
            <[String; 3]>::try_from(f).map_err(|_| bad(line, "整行", "列数不对"))?;
        if label.is_empty() {
            return Err(bad(line, "label", "类别为空"));
        }
        if text.is_empty() && title.is_empty() {
            return Err(bad(line, "text", "标题和正文都为空"));
        }
        out.push(Example { label, title, text });
    }
    if out.is_empty() {
        return Err(bad(2, "label", "文件没有数据行"));
    }
    Ok(out)
}

pub fn read_examples(path: &Path) -> Result<Vec<Example>, Error> {
    parse_examples(&read_file(path)?).map_err(|e| in_file(path, e))
}

/// Unlabelled messages: `title`/`text`, or the message board's `留言主题`/`留言详情`.
/// Rows with neither are skipped (they teach nothing).
pub fn parse_documents(bytes: &[u8]) -> Result<Vec<Document>, Error> {
    let wanted: [(&[&str], bool); 2] = [
        (&["text", "留言详情"], true),
        (&["title", "留言主题"], false),
    ];
    Ok(rows(bytes, &wanted)?
        .into_iter()
        .filter_map(|(_, f)| match <[String; 2]>::try_from(f) {
            Ok([text, title]) if !(text.is_empty() && title.is_empty()) => {
                Some(Document { title, text })
            }
            _ => None,
        })
        .collect())
}

pub fn read_documents(path: &Path) -> Result<Vec<Document>, Error> {
    parse_documents(&read_file(path)?).map_err(|e| in_file(path, e))
}

fn in_file(path: &Path, mut e: Error) -> Error {
    e.message = format!("{}：{}", path.display(), e.message);
    e
}

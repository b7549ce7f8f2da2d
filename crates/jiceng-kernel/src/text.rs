//! Validated text: checked once at the edge, trusted everywhere after.

use crate::error::{Code, Error, Result};

/// Trims `raw` and checks it is non-empty, at most `max` characters, and free of control characters.
pub fn clean(raw: &str, field: &str, max: usize, code: Code) -> Result<String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Error::new(code, format!("{field}不能为空")));
    }
    let n = s.chars().count();
    if n > max {
        return Err(Error::new(
            code,
            format!("{field}过长：最多 {max} 个字符，实际 {n} 个"),
        ));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(Error::new(code, format!("{field}含有控制字符")));
    }
    Ok(s.to_owned())
}

/// Like [`clean`], but an empty or absent value is `None`.
pub fn clean_opt(raw: Option<&str>, field: &str, max: usize, code: Code) -> Result<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => clean(s, field, max, code).map(Some),
    }
}

/// Masks all but the first three and last four digits of a phone number: `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// Masks a personal name but its first character: `张三丰` → `张**`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_trims_and_bounds() {
        assert_eq!(
            clean(
                "  浓洄街道 ",
                "名称",
                10,
                crate::error::codes::ORG_UNIT_INVALID_NAME
            )
            .unwrap(),
            "浓洄街道"
        );
        assert!(
            clean(
                "   ",
                "名称",
                10,
                crate::error::codes::ORG_UNIT_INVALID_NAME
            )
            .is_err()
        );
        assert!(
            clean(
                &"长".repeat(11),
                "名称",
                10,
                crate::error::codes::ORG_UNIT_INVALID_NAME
            )
            .is_err()
        );
        assert!(
            clean(
                "a\u{0}b",
                "名称",
                10,
                crate::error::codes::ORG_UNIT_INVALID_NAME
            )
            .is_err()
        );
    }

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "*****");
    }
}

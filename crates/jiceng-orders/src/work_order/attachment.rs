//! Photos and documents attached to an order, checked by their content, not their name.

use chrono::{DateTime, Utc};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{AttachmentId, OrderId, UserId};
use jiceng_kernel::text;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_ATTACHMENTS_PER_ORDER: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: AttachmentId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub order_id: OrderId,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub uploaded_by: UserId,
    pub created_at: DateTime<Utc>,
}

/// The content type the bytes really are, from their first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Checks an upload and describes it. The declared type must match the content.
pub fn check_upload(
    declared_type: &str,
    filename: &str,
    bytes: &[u8],
    order_id: OrderId,
    id: AttachmentId,
    uploaded_by: UserId,
    now: DateTime<Utc>,
) -> Result<Attachment> {
    if bytes.is_empty() {
        return Err(Error::new(codes::ATTACHMENT_EMPTY, "上传的文件为空"));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(Error::new(
            codes::ATTACHMENT_TOO_LARGE,
            "单个附件不能超过 5 MB",
        ));
    }
    let declared = declared_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let real = sniff(bytes).ok_or_else(|| {
        Error::new(
            codes::ATTACHMENT_UNSUPPORTED_TYPE,
            "只接受 JPEG、PNG、WebP 图片或 PDF 文件",
        )
    })?;
    if declared != real {
        return Err(Error::new(
            codes::ATTACHMENT_TYPE_MISMATCH,
            format!("文件内容是 {real}，与声明的类型 {declared} 不符"),
        ));
    }
    let filename = text::clean(filename, "文件名", 120, codes::ATTACHMENT_INVALID_NAME)?;
    if filename.contains(['/', '\\']) {
        return Err(Error::new(
            codes::ATTACHMENT_INVALID_NAME,
            "文件名不能包含路径",
        ));
    }
    Ok(Attachment {
        id,
        order_id,
        filename,
        content_type: real.to_owned(),
        size: bytes.len() as u64,
        sha256: hex::encode(Sha256::digest(bytes)),
        uploaded_by,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (OrderId, AttachmentId, UserId) {
        let u = uuid::Uuid::from_u128(1);
        (OrderId(u), AttachmentId(u), UserId(u))
    }

    #[test]
    fn content_decides_the_type() {
        let (o, a, u) = ids();
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];
        let ok = check_upload("image/png", "现场.png", &png, o, a, u, DateTime::default()).unwrap();
        assert_eq!(ok.size, 10);
        assert_eq!(ok.sha256.len(), 64);
        let e =
            check_upload("image/jpeg", "x.jpg", &png, o, a, u, DateTime::default()).unwrap_err();
        assert_eq!(e.code, "attachment.type_mismatch");
        let e = check_upload(
            "image/png",
            "x.png",
            b"<script>",
            o,
            a,
            u,
            DateTime::default(),
        )
        .unwrap_err();
        assert_eq!(e.code, "attachment.unsupported_type");
        let e =
            check_upload("image/png", "../x.png", &png, o, a, u, DateTime::default()).unwrap_err();
        assert_eq!(e.code, "attachment.invalid_name");
        let big = vec![0xFF; MAX_ATTACHMENT_BYTES + 1];
        assert_eq!(
            check_upload("image/jpeg", "x", &big, o, a, u, DateTime::default())
                .unwrap_err()
                .code,
            "attachment.too_large"
        );
    }
}

//! One error type for the domain, with a registered machine code and a message a clerk can act on.
//!
//! The code comes from the registry in [`codes`]; its kind decides the HTTP status (mapped once
//! in the server). The cause, when an adapter had one, travels with the error for the logs and
//! is never part of what a user sees.

use std::fmt;
use std::sync::Arc;

macro_rules! codes {
    ($($name:ident = $code:literal, $kind:ident, $message:literal;)*) => {
        $(pub const $name: Code = Code::new($code, ErrorKind::$kind, $message);)*
        /// Every registered code, in the order of the registry.
        pub const ALL: &[Code] = &[$($name),*];
        /// The constants' names, in the same order: what the sources must mention.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

pub mod codes;

/// What sort of failure this is; the server maps each kind to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is malformed or violates a field rule (400).
    Validation,
    /// No valid credentials (401).
    Unauthenticated,
    /// Authenticated but not allowed (403).
    Forbidden,
    /// Absent, or outside the caller's jurisdiction (404).
    NotFound,
    /// The state changed under the caller, or the value already exists (409).
    Conflict,
    /// The body is larger than the endpoint takes (413).
    PayloadTooLarge,
    /// The body is not of a media type the endpoint reads (415).
    UnsupportedMediaType,
    /// Well-formed but not acceptable in the current state (422).
    Unprocessable,
    /// Too many attempts (429).
    Throttled,
    /// A fault of ours or of a dependency (500).
    Internal,
    /// Busy for now; the same request may succeed after `Retry-After` (503).
    Unavailable,
}

impl ErrorKind {
    /// The HTTP status this kind answers with.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Validation => 400,
            Self::Unauthenticated => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::Unprocessable => 422,
            Self::Throttled => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }
}

/// A registered error code. Only [`codes`] can make one, so every code a client can see is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    code: &'static str,
    kind: ErrorKind,
    message: &'static str,
}

impl Code {
    const fn new(code: &'static str, kind: ErrorKind, message: &'static str) -> Self {
        Self {
            code,
            kind,
            message,
        }
    }
    /// The stable machine code, e.g. `org_unit.not_found`.
    pub const fn as_str(self) -> &'static str {
        self.code
    }
    pub const fn kind(self) -> ErrorKind {
        self.kind
    }
    /// The message used when a call site has nothing more specific to say.
    pub const fn default_message(self) -> &'static str {
        self.message
    }
    /// The registered code with this string, if any.
    pub fn find(code: &str) -> Option<Self> {
        codes::ALL.iter().copied().find(|c| c.code == code)
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.code == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.code == other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.code
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// What went wrong underneath (a database or I/O error), kept for the logs.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// A domain error: kind, registered code (`org_unit.not_found`) and a Chinese message.
#[derive(Debug, Clone)]
pub struct Error {
    /// Always `code.kind()`; kept as a field because callers match on it.
    pub kind: ErrorKind,
    pub code: Code,
    pub message: String,
    /// Seconds after which a throttled or turned-away caller may try again.
    pub retry_after: Option<u64>,
    /// The underlying failure; logged, never shown to users.
    pub source: Option<Cause>,
}

/// Two errors are equal when a client could not tell them apart; the cause is not compared.
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.message == other.message
            && self.retry_after == other.retry_after
    }
}

impl Eq for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            kind: code.kind(),
            code,
            message: message.into(),
            retry_after: None,
            source: None,
        }
    }
    /// The error with the code's default message.
    pub fn of(code: Code) -> Self {
        Self::new(code, code.default_message())
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(codes::AUTH_FORBIDDEN, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(codes::AUTH_UNAUTHENTICATED, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL, message)
    }
    /// Keeps `cause` for the logs.
    pub fn with_source(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(cause));
        self
    }
    /// The cause and its own causes, joined for a log line; empty without a cause.
    pub fn cause_chain(&self) -> String {
        let mut out = String::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> =
            self.source.as_deref().map(|c| c as _);
        while let Some(e) = next {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&e.to_string());
            next = e.source();
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|c| c as _)
    }
}

/// The README's table of error codes, generated from the registry.
pub fn markdown_table() -> String {
    let mut out = String::from("| code | HTTP | 默认说明 |\n|---|---|---|\n");
    for c in codes::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.as_str(),
            c.kind().http_status(),
            c.default_message()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("write failed")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn the_cause_is_kept_for_logs_and_not_displayed() {
        let io = std::io::Error::other("disk full");
        let e = Error::internal("数据库暂时不可用，请稍后重试").with_source(Outer(io));
        assert_eq!(e.to_string(), "internal: 数据库暂时不可用，请稍后重试");
        assert_eq!(e.cause_chain(), "write failed: disk full");
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(Error::internal("x").cause_chain(), "");
    }

    #[test]
    fn the_kind_and_default_message_come_from_the_code() {
        let e = Error::of(codes::WORK_ORDER_NOT_FOUND);
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.message, codes::WORK_ORDER_NOT_FOUND.default_message());
        assert_eq!(e.code, "work_order.not_found");
        assert_eq!(
            Code::find("work_order.not_found"),
            Some(codes::WORK_ORDER_NOT_FOUND)
        );
        assert_eq!(Code::find("work_order.nope"), None);
    }
}

//! One error type for the domain, with a stable machine code and a message a clerk can act on.
//!
//! The kind decides the HTTP status (mapped once in the server); the code is stable API.

use std::fmt;

/// What sort of failure this is; the server maps each kind to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Well-formed but not acceptable in the current state (422).
    Unprocessable,
    /// Too many attempts (429).
    Throttled,
    /// A fault of ours or of a dependency (500).
    Internal,
}

/// A domain error: kind, stable code (`org_unit.not_found`) and a Chinese message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    /// Seconds after which a throttled caller may try again.
    pub retry_after: Option<u64>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn validation(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "auth.forbidden", message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, "auth.unauthenticated", message)
    }
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, code, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, "internal", message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

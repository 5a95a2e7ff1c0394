//! The one error type of the domain; each wire format maps it to its own shape.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The client sent something wrong; `field` names it when there is one.
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// The request cannot be read at all: a body that does not parse, a required field absent.
    Malformed(String),
    /// No credentials, or credentials that do not hold.
    Unauthenticated,
    /// The same, for the admin page: answered without a Basic challenge, so that the browser
    /// shows the page's own sign-in form rather than its password dialog.
    SignInRequired(String),
    /// The target is visible but the caller may not do this to it.
    Forbidden(String),
    /// The caller must change their password before anything else.
    PasswordChangeRequired,
    /// Absent, or outside everything the caller can see.
    NotFound(String),
    /// The request clashes with what is stored (a duplicate, something in the way).
    Conflict(String),
    /// The body is not of a media type the endpoint takes.
    UnsupportedMediaType(String),
    /// The endpoint does not take this method (SCIM's read-only discovery endpoints).
    MethodNotAllowed(String),
    /// The body is larger than the configured limit.
    PayloadTooLarge(usize),
    /// Too many failed sign-ins from this address; retry after this many seconds.
    TooManyRequests(u64),
    /// The database cannot take the request now (its disk is full, its file system is
    /// read-only, or a lock was held past `busy_timeout`); nothing was changed, and the same
    /// request may succeed later.
    Unavailable(Fault),
    /// This Gatehouse is a read-only replica: writes and password checks (the lockout's state
    /// lives on the primary) belong to the primary, named here once the operation knows it.
    ReadOnlyReplica(Option<String>),
    /// Something went wrong on our side; the text is for the log only.
    Internal(String),
}

/// Why the database could not take a write: each one an operator must see and can mend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Full,
    ReadOnly,
    Busy,
    /// On a replica: the primary migrated the file to a schema newer than this Gatehouse.
    SchemaNewer,
    /// On a replica: the file's schema is older than this Gatehouse (the primary runs an
    /// older release).
    SchemaOlder,
}

impl Fault {
    pub const ALL: [Fault; 5] = [
        Fault::Full,
        Fault::ReadOnly,
        Fault::Busy,
        Fault::SchemaNewer,
        Fault::SchemaOlder,
    ];

    /// Whether it is a replica's file of another release's schema.
    pub fn is_schema(self) -> bool {
        matches!(self, Fault::SchemaNewer | Fault::SchemaOlder)
    }

    /// The word `/health` and `/metrics` use for it.
    pub fn word(self) -> &'static str {
        match self {
            Fault::Full => "full",
            Fault::ReadOnly => "read-only",
            Fault::Busy => "busy",
            Fault::SchemaNewer => "schema-newer",
            Fault::SchemaOlder => "schema-older",
        }
    }

    /// What a client and the log are told.
    pub fn message(self) -> &'static str {
        match self {
            Fault::Full => "the database disk is full",
            Fault::ReadOnly => "the database is on a read-only file system",
            Fault::Busy => "the database is busy: a lock was held past busy_timeout",
            Fault::SchemaNewer => "the primary migrated the database to a schema newer than this replica's Gatehouse understands: upgrade this replica",
            Fault::SchemaOlder => "the database's schema is older than this replica's Gatehouse: upgrade the primary, or run the primary's release here",
        }
    }

    /// Seconds a client is asked to wait before trying again: a lock passes quickly, a full
    /// disk waits for a person.
    pub fn retry_after(self) -> u64 {
        match self {
            Fault::Busy => 1,
            Fault::Full | Fault::ReadOnly | Fault::SchemaNewer | Fault::SchemaOlder => 30,
        }
    }

    /// The fault behind a database error, if it is one of these.
    fn of(e: &rusqlite::Error) -> Option<Fault> {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code()? {
            DiskFull => Some(Fault::Full),
            ReadOnly => Some(Fault::ReadOnly),
            DatabaseBusy | DatabaseLocked => Some(Fault::Busy),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::Invalid {
            field: None,
            message: message.into(),
        }
    }

    pub fn not_found(what: &str) -> Error {
        Error::NotFound(format!("{what} not found"))
    }

    /// The HTTP status that the native API and most dialects give this kind.
    pub fn status(&self) -> u16 {
        match self {
            Error::Invalid { .. } | Error::Malformed(_) => 400,
            Error::Unauthenticated | Error::SignInRequired(_) => 401,
            Error::Forbidden(_) | Error::PasswordChangeRequired => 403,
            Error::NotFound(_) => 404,
            Error::Conflict(_) => 409,
            Error::MethodNotAllowed(_) => 405,
            Error::PayloadTooLarge(_) => 413,
            Error::UnsupportedMediaType(_) => 415,
            Error::TooManyRequests(_) => 429,
            Error::Internal(_) => 500,
            Error::Unavailable(_) | Error::ReadOnlyReplica(_) => 503,
        }
    }

    /// A short machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } | Error::Malformed(_) => "invalid_request",
            Error::Unauthenticated | Error::SignInRequired(_) => "unauthenticated",
            Error::Forbidden(_) => "forbidden",
            Error::PasswordChangeRequired => "password_change_required",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::MethodNotAllowed(_) => "method_not_allowed",
            Error::TooManyRequests(_) => "too_many_requests",
            Error::Internal(_) => "internal_error",
            Error::Unavailable(_) => "unavailable",
            Error::ReadOnlyReplica(_) => "read_only_replica",
        }
    }

    /// The request field at fault, when the error names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The message a client may see: never the cause of an internal error.
    pub fn public_message(&self) -> String {
        match self {
            Error::Invalid {
                field: Some(f),
                message,
            } => format!("{f}: {message}"),
            Error::Invalid {
                field: None,
                message,
            } => message.clone(),
            Error::Unauthenticated => "authentication required".into(),
            Error::Forbidden(m)
            | Error::NotFound(m)
            | Error::Conflict(m)
            | Error::SignInRequired(m) => m.clone(),
            Error::UnsupportedMediaType(m) | Error::Malformed(m) | Error::MethodNotAllowed(m) => {
                m.clone()
            }
            Error::PasswordChangeRequired => {
                "the password must be changed before anything else can be done".into()
            }
            Error::TooManyRequests(seconds) => {
                format!(
                    "too many failed sign-ins from this address; try again in {seconds} seconds"
                )
            }
            Error::PayloadTooLarge(limit) => {
                format!("the request body is larger than {limit} bytes")
            }
            Error::Unavailable(fault) => format!("{}; try again later", fault.message()),
            Error::ReadOnlyReplica(primary) => match primary {
                Some(url) => format!(
                    "this Gatehouse is a read-only replica: sign in and make changes on the primary at {url}"
                ),
                None => "this Gatehouse is a read-only replica: sign in and make changes on the primary".into(),
            },
            Error::Internal(_) => "internal error; the server log has the details".into(),
        }
    }

    /// Seconds a client should wait before trying again, for the errors that say so.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::TooManyRequests(seconds) => Some(*seconds),
            Error::Unavailable(fault) => Some(fault.retry_after()),
            _ => None,
        }
    }

    /// A replica's refusal made before the primary was known gets its address.
    pub fn naming_primary(self, primary: &Option<String>) -> Error {
        match self {
            Error::ReadOnlyReplica(None) => Error::ReadOnlyReplica(primary.clone()),
            other => other,
        }
    }

    /// Logs internal errors (the cause stays in the log); returns self for chaining.
    pub fn logged(self) -> Error {
        if let Error::Internal(cause) = &self {
            log::error!("internal error: {}", crate::logging::escape(cause));
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Internal(cause) => write!(f, "internal error: {cause}"),
            other => f.write_str(&other.public_message()),
        }
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match Fault::of(&e) {
            Some(fault) => Error::Unavailable(fault),
            None => Error::Internal(format!("database: {e}")),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Error {
        Error::Internal(format!("database pool: {e}"))
    }
}

impl From<bcrypt::BcryptError> for Error {
    fn from(e: bcrypt::BcryptError) -> Error {
        Error::Internal(format!("bcrypt: {e}"))
    }
}

impl From<actix_web::error::BlockingError> for Error {
    fn from(_: actix_web::error::BlockingError) -> Error {
        Error::Internal("the blocking thread pool is gone".into())
    }
}

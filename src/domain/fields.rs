//! Parsed field values: once a value has one of these types, it is valid.

use crate::error::Error;

/// An email address as given, with its lower-case key for lookups and uniqueness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub text: String,
    pub key: String,
}

impl Email {
    // long: one check per rule of an address, each with its own message.
    pub fn parse(field: &str, raw: &str) -> Result<Email, Error> {
        let text = raw.trim();
        let bad = |why: &str| {
            Error::invalid(
                field,
                format!(
                    "`{}` is not a valid email address: {why}",
                    crate::logging::escape(text)
                ),
            )
        };
        if text.len() > 254 {
            return Err(bad("longer than 254 characters"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains spaces or control characters"));
        }
        if text.contains(':') {
            return Err(bad(
                "it contains `:`, which HTTP Basic uses to end the name, so it could never sign in",
            ));
        }
        let (local, domain) = text.rsplit_once('@').ok_or_else(|| bad("it has no @"))?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(bad(
                "the part before @ must be 1 to 64 characters without another @",
            ));
        }
        let labels_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
        if domain.is_empty() || !labels_ok {
            return Err(bad("the domain after @ is not a host name"));
        }
        // `user@plant` is almost always a typing slip; a mail host without a dot is local.
        if !domain.contains('.') && !domain.eq_ignore_ascii_case("localhost") {
            return Err(bad(
                "the domain after @ has no dot (only `localhost` may go without one)",
            ));
        }
        Ok(Email {
            text: text.to_string(),
            key: Email::key_of(text),
        })
    }

    /// The lookup key of an email as typed or stored, the one `parse` gives: for text that
    /// need not be a valid address (the name a sign-in tries).
    pub fn key_of(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    /// An address already stored, taken as it is: the rules for new addresses grow stricter
    /// (a dot in the domain), and an account made before must still sign in and be edited.
    pub fn stored(text: &str) -> Email {
        Email {
            text: text.to_string(),
            key: Email::key_of(text),
        }
    }

    pub fn local_part(&self) -> &str {
        self.key
            .rsplit_once('@')
            .map(|(l, _)| l)
            .unwrap_or(&self.key)
    }
}

/// A mobile number: digits, optionally grouped by spaces or dashes, 4 to 15 digits (E.164).
pub fn mobile_number(raw: &str) -> Result<String, Error> {
    let text = raw.trim();
    let digits = text.chars().filter(|c| c.is_ascii_digit()).count();
    let allowed = text
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    if !allowed || !(4..=15).contains(&digits) {
        return Err(Error::invalid(
            "mobileNumber",
            "must be 4 to 15 digits (spaces and dashes allowed)",
        ));
    }
    Ok(text.to_string())
}

/// A country dialing code such as `+91` or `+44`.
pub fn country_code(raw: &str) -> Result<String, Error> {
    let text = raw.trim();
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::invalid(
            "countryCode",
            "must be a dialing code such as +91 or +44",
        ));
    }
    Ok(format!("+{digits}"))
}

/// A name of an organisation, site, plant or person: trimmed, 1 to 200 characters, one line.
pub fn name(field: &str, raw: &str) -> Result<String, Error> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if text.chars().count() > 200 {
        return Err(Error::invalid(field, "must be at most 200 characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must not contain control characters such as newlines",
        ));
    }
    Ok(text.to_string())
}

/// The IANA time zone names (tzdata's zones and links), one a line after a comment.
const TIME_ZONES: &str = include_str!("timezones.txt");

/// Every IANA time zone name, in order (the admin page offers them as a list).
pub fn time_zones() -> impl Iterator<Item = &'static str> {
    TIME_ZONES
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// An IANA time zone name such as `Europe/London` or `UTC`, in the database's own spelling
/// (`europe/london` is taken as `Europe/London`); any other name is refused.
pub fn timezone(raw: &str) -> Result<String, Error> {
    let text = raw.trim();
    time_zones()
        .find(|zone| zone.eq_ignore_ascii_case(text))
        .map(str::to_string)
        .ok_or_else(|| {
            Error::invalid(
                "timezone",
                format!(
                    "`{}` is not a time zone of the IANA database; use a name such as Europe/London or UTC",
                    crate::logging::escape(text)
                ),
            )
        })
}

/// A domain name such as `acme.example`.
pub fn domain(raw: &str) -> Result<String, Error> {
    let probe = format!("x@{}", raw.trim());
    Email::parse("domain", &probe)
        .map(|e| e.key[2..].to_string())
        .map_err(|_| Error::invalid("domain", "must be a domain name such as acme.example"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_keyed_case_insensitively() {
        let e = Email::parse("email", " Ann.Lee@Plant.Example ").unwrap();
        assert_eq!(e.text, "Ann.Lee@Plant.Example");
        assert_eq!(e.key, "ann.lee@plant.example");
        for bad in [
            "",
            "no-at",
            "@x.com",
            "a@",
            "a b@x.com",
            "a@x..com",
            "a@-x.com",
            "a@plant",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
        let dotless = Email::parse("email", "a@plant").unwrap_err().to_string();
        assert!(dotless.contains("no dot"), "{dotless}");
        assert!(Email::parse("email", "admin@localhost").is_ok());
        assert!(Email::parse("email", "admin@LocalHost").is_ok());
    }

    #[test]
    fn time_zones_are_names_of_the_iana_database() {
        assert_eq!(timezone("Europe/London").unwrap(), "Europe/London");
        assert_eq!(timezone(" europe/london ").unwrap(), "Europe/London");
        assert_eq!(timezone("UTC").unwrap(), "UTC");
        assert_eq!(timezone("Asia/Kolkata").unwrap(), "Asia/Kolkata");
        for bad in ["Mars/Olympus_Mons", "Europe/Londn", "", "not a zone!"] {
            assert!(timezone(bad).is_err(), "{bad}");
        }
        assert!(time_zones().count() > 400);
    }

    #[test]
    fn phone_fields_are_checked() {
        assert_eq!(country_code("91").unwrap(), "+91");
        assert!(country_code("+9a").is_err());
        assert!(mobile_number("1234567890").is_ok());
        assert!(mobile_number("12ab").is_err());
    }
}

/// How these fields look in the OpenAPI document: the rules above, as JSON Schema can say
/// them (a pattern and lengths), kept beside the rules so that they change together. A blank
/// optional field means "none" to the rules, so the optional shapes take blanks too.
#[allow(dead_code)] // They describe; nothing is built of them.
pub mod shapes {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;

    /// 1 to 200 characters after trimming, on one line.
    #[derive(utoipa::ToSchema)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub struct Name(String);

    /// A name, or blank for none.
    #[derive(utoipa::ToSchema)]
    #[schema(
        max_length = 200,
        pattern = r"^(\s*|[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*)$"
    )]
    pub struct OptionalName(String);

    /// An address with a dot in its domain (`localhost` aside), without spaces or `:`.
    #[derive(utoipa::ToSchema)]
    #[schema(
        max_length = 254,
        pattern = r"^\s*[^\s:@\x00-\x1f\x7f-\x9f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\s*$"
    )]
    pub struct EmailAddress(String);

    /// 4 to 15 digits, spaces and dashes allowed; or blank for none.
    #[derive(utoipa::ToSchema)]
    #[schema(pattern = r"^(\s*|[\s-]*(?:[0-9][ -]*){4,15}\s*)$")]
    pub struct MobileNumber(String);

    /// A dialing code such as `+91`; or blank for none.
    #[derive(utoipa::ToSchema)]
    #[schema(pattern = r"^\s*(\+?[0-9]{1,4})?\s*$")]
    pub struct CountryCode(String);

    /// A domain name such as `acme.example`; or blank for none.
    #[derive(utoipa::ToSchema)]
    #[schema(
        max_length = 252,
        pattern = r"^\s*([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)?\s*$"
    )]
    pub struct Domain(String);

    /// A module of the configured catalogue; the document lists the catalogue itself
    /// (`api::openapi` puts it in, since it is configuration).
    pub struct Module;

    impl utoipa::PartialSchema for Module {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new().schema_type(Type::String).into()
        }
    }

    impl utoipa::ToSchema for Module {}

    /// An IANA time zone name, or blank for none: the list the server takes.
    pub struct TimeZone;

    impl utoipa::PartialSchema for TimeZone {
        fn schema() -> RefOr<Schema> {
            let names = std::iter::once("").chain(super::time_zones());
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "An IANA time zone name such as Europe/London, or blank for none",
                ))
                .enum_values(Some(names))
                .into()
        }
    }

    impl utoipa::ToSchema for TimeZone {}
}

//! The password policy (NIST SP 800-63B rev. 4, OWASP ASVS 5 V6) and generated passwords.

use super::fields::Email;
use crate::error::Error;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Django's list of 20,000 common passwords (BSD licence), one a line.
const COMMON: &str = include_str!("common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// bcrypt reads at most this many bytes; longer passwords are refused, never truncated.
pub const MAX_BYTES: usize = 72;

/// Checks a new password; the error says which rule it breaks.
pub fn check(field: &str, password: &str, email: &Email, min_length: usize) -> Result<(), Error> {
    if password.chars().count() < min_length {
        return Err(Error::invalid(
            field,
            format!("must be at least {min_length} characters long"),
        ));
    }
    if password.len() > MAX_BYTES {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_BYTES} bytes long (bcrypt would ignore the rest)"),
        ));
    }
    let lower = password.to_lowercase();
    let local = email.local_part();
    if lower == local || (local.chars().count() >= 3 && lower.contains(local)) {
        return Err(Error::invalid(
            field,
            "must not be or contain the email address's name",
        ));
    }
    if common_passwords().contains(lower.as_str()) {
        return Err(Error::invalid(
            field,
            "is one of the most commonly used passwords",
        ));
    }
    if is_repeated(&lower) {
        return Err(Error::invalid(
            field,
            "is a word or phrase repeated, which is as easy to guess as a common password",
        ));
    }
    Ok(())
}

/// Whether `text` is a shorter string said twice or more (`passwordpassword`, `abcabcabc`).
fn is_repeated(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    (1..=n / 2)
        .any(|unit| n.is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]))
}

/// Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A generated password: at least 20 characters (over 110 bits) and never shorter than `min_length`.
pub fn generate(min_length: usize) -> Result<String, Error> {
    let length = min_length.max(20);
    let mut out = String::with_capacity(length);
    let limit = 256 - (256 % ALPHABET.len());
    while out.len() < length {
        let mut buf = [0u8; 32];
        crate::secrets::fill(&mut buf)?;
        // Rejection sampling keeps every character equally likely.
        for b in buf.iter().filter(|b| (**b as usize) < limit) {
            if out.len() < length {
                out.push(ALPHABET[*b as usize % ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("email", "maria.silva@plant.example").unwrap()
    }

    #[test]
    fn each_rule_is_named() {
        let e = email();
        assert!(check("password", "short", &e, 15)
            .unwrap_err()
            .to_string()
            .contains("at least 15"));
        let long = "x".repeat(73);
        assert!(check("password", &long, &e, 15)
            .unwrap_err()
            .to_string()
            .contains("72 bytes"));
        let named = "my maria.silva password";
        assert!(check("password", named, &e, 15)
            .unwrap_err()
            .to_string()
            .contains("email"));
        let common = check("password", "1q2w3e4r5t6y7u8i9o0p", &e, 15).unwrap_err();
        assert!(common.to_string().contains("commonly"));
        assert!(check("password", "battery staple horse correct", &e, 15).is_ok());
    }

    #[test]
    fn a_word_or_phrase_repeated_counts_as_common() {
        let e = Email::parse("email", "ann@plant.example").unwrap();
        for repeated in [
            "passwordpassword",
            "PasswordPASSWORD",
            "aaaaaaaaaaaaaaaa",
            "abcabcabcabcabc",
        ] {
            let refused = check("password", repeated, &e, 15).unwrap_err().to_string();
            assert!(refused.contains("repeated"), "{repeated}: {refused}");
        }
        assert!(check("password", "password password!", &e, 15).is_ok());
        assert!(check("password", "a long enough pass phrase", &e, 15).is_ok());
    }

    #[test]
    fn a_common_password_is_refused_when_long_enough_to_pass_the_length_rule() {
        let e = email();
        let common = common_passwords().iter().find(|p| p.len() >= 8).unwrap();
        assert!(check("password", common, &e, 8)
            .unwrap_err()
            .to_string()
            .contains("commonly"));
        assert!(common_passwords().len() >= 10_000);
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        let p = generate(15).unwrap();
        assert_eq!(p.len(), 20);
        check("password", &p, &email(), 15).unwrap();
        assert_ne!(p, generate(15).unwrap());
    }
}

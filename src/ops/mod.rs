//! The operations every API calls: authorize, validate, run one transaction, return typed results.
//! Nothing here knows about HTTP or any wire format.

pub mod accounts;
pub mod audit;
pub mod bootstrap;
pub mod bulk;
pub mod cache;
pub mod health;
pub mod import;
pub mod joining;
pub mod keys;
pub mod known;
pub mod listing;
pub mod lookup;
pub mod memberships;
pub mod oidc;
pub mod profile;
pub mod replication;
pub mod scim;
pub mod scrape;
pub mod sessions;
pub mod signed_in;
pub mod signin;
pub mod structure;
pub mod tokens;
pub mod users;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use cache::CredentialCache;

/// What the operations need besides a connection: settings, the clock, the credential cache.
pub struct Env {
    pub config: Config,
    pub clock: Clock,
    pub cache: CredentialCache,
    /// Callers known from a recent request, so that a repeat needs no database work.
    pub known: known::KnownCallers,
    pub throttle: signin::Throttle,
    /// One password check per account at a time.
    pub signin_turns: signin::Turns,
    /// The last probe of the database, for `/health`.
    pub health: health::Health,
    /// When `/metrics` last counted what is stored.
    pub tallies: scrape::Tallies,
    /// A bcrypt hash of a random password at the configured cost, checked against when the
    /// email is unknown so that a miss takes as long as a wrong password.
    pub dummy_hash: DummyHash,
    /// The address the server listens at (`http://127.0.0.1:8080`), once it does: the OpenID
    /// Connect issuer when `[server] public_url` is not set.
    pub listening: std::sync::OnceLock<String>,
}

/// The dummy hash, made on a thread of its own at start so that the server is ready before
/// the bcrypt (a third of a second at cost 12) is done; the first check that needs it waits.
pub struct DummyHash {
    cell: std::sync::Arc<std::sync::OnceLock<String>>,
    cost: u32,
}

impl DummyHash {
    fn start(cost: u32) -> DummyHash {
        let cell = std::sync::Arc::new(std::sync::OnceLock::new());
        let made = cell.clone();
        std::thread::spawn(move || {
            made.get_or_init(|| DummyHash::make(cost));
        });
        DummyHash { cell, cost }
    }

    fn make(cost: u32) -> String {
        let password = crate::secrets::token("", 16).unwrap_or_else(|_| "gatehouse".into());
        bcrypt::hash(password, cost).unwrap_or_else(|e| {
            log::error!("cannot make the dummy password hash: {e}");
            String::new()
        })
    }

    pub fn get(&self) -> &str {
        self.cell.get_or_init(|| DummyHash::make(self.cost))
    }
}

impl Env {
    pub fn new(config: Config, clock: Clock) -> Result<Env, Error> {
        let cache = CredentialCache::new(config.security.credential_cache_ttl.0);
        let known = known::KnownCallers::new(config.security.credential_cache_ttl.0);
        let dummy_hash = DummyHash::start(config.security.bcrypt_cost);
        Ok(Env {
            config,
            clock,
            cache,
            known,
            throttle: signin::Throttle::new(),
            signin_turns: signin::Turns::default(),
            health: health::Health::new(),
            tallies: scrape::Tallies::default(),
            dummy_hash,
            listening: std::sync::OnceLock::new(),
        })
    }
}

impl Env {
    /// Whether this Gatehouse is a read-only replica of another's database.
    pub fn replica(&self) -> bool {
        self.config.database.mode == crate::config::Mode::Replica
    }

    /// The refusal of a write or a password check on a replica, naming the primary.
    pub fn refused_on_replica(&self) -> Error {
        Error::ReadOnlyReplica(self.config.replica.primary_url.clone())
    }
}

/// Turns a real absence (`NotFound`) into a 400 naming the field the client sent; every other
/// error, a database error above all, stays what it is.
pub(crate) fn absent_as(field: &'static str, message: &'static str) -> impl Fn(Error) -> Error {
    move |e| match e {
        Error::NotFound(_) => Error::invalid(field, message),
        other => other,
    }
}

/// A new UUID as text: version 7, whose leading bits are the time, so that rows made one after
/// another sit side by side in every index keyed by id. With random (v4) ids each new token,
/// user or audit target landed on its own page of each index, and a commit wrote a page per
/// index per row. The 74 random bits left keep ids unguessable; they were never secrets.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// bcrypt at the configured cost, over every byte of a password of up to 72 bytes.
pub fn hash_password(config: &Config, password: &str) -> Result<String, Error> {
    if password.len() > crate::domain::password::MAX_BYTES {
        return Err(Error::invalid("password", "must be at most 72 bytes long"));
    }
    Ok(bcrypt::hash(password, config.security.bcrypt_cost)?)
}

/// Checks that an id from the client has the shape of a UUID, so that a typo reads as a typo.
pub fn parse_id(field: &str, raw: &str) -> Result<String, Error> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.to_string())
        .map_err(|_| {
            Error::invalid(
                field,
                format!("`{}` is not a UUID", crate::logging::escape(raw)),
            )
        })
}

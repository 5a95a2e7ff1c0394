//! `gatehouse keys rotate` and `gatehouse jwks export FILE`: the signing keys of ID tokens and
//! JWT access tokens, for the operator.

use crate::clock::Clock;
use crate::config::Config;
use crate::state::AppState;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Make new signing keys (EdDSA, ES256, RS256); the old ones sign nothing more but stay in
    /// the JWKS until every token they signed has expired.
    Rotate,
}

#[derive(Subcommand)]
pub enum JwksCommand {
    /// Write the public keys (a JWKS) to FILE, for verifiers with no way to reach Gatehouse.
    Export { path: PathBuf },
}

fn open(config: Config) -> Result<(AppState, String), String> {
    let path = config.database.path.display().to_string();
    let state =
        AppState::open(config, Clock::default()).map_err(|e| format!("database {path}: {e}"))?;
    Ok((state, path))
}

pub fn rotate(config: Config) -> Result<(), String> {
    let (state, path) = open(config)?;
    if state.env.replica() {
        return Err("keys rotate: this is a read-only replica; rotate on the primary".into());
    }
    let mut conn = state
        .pool
        .get()
        .map_err(|e| format!("database {path}: {e}"))?;
    let keys = crate::ops::oidc::keys::rotate(&mut conn, &state.env)
        .map_err(|e| format!("keys rotate: {e}"))?;
    for key in keys {
        println!("new {} key {}", key.algorithm, key.id);
    }
    println!("the previous keys stay in the JWKS until the tokens they signed have expired");
    Ok(())
}

pub fn export(config: Config, target: &Path) -> Result<(), String> {
    let (state, path) = open(config)?;
    let conn = state
        .pool
        .get()
        .map_err(|e| format!("database {path}: {e}"))?;
    let keys = crate::ops::oidc::keys::published(&conn, &state.env)
        .map_err(|e| format!("jwks export: {e}"))?;
    if keys.is_empty() {
        return Err("jwks export: there are no signing keys yet; start Gatehouse once (or run `gatehouse init`)".into());
    }
    let text = serde_json::to_string_pretty(&serde_json::json!({ "keys": keys }))
        .map_err(|e| format!("jwks export: {e}"))?;
    std::fs::write(target, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    println!("{} public keys written to {}", keys.len(), target.display());
    Ok(())
}

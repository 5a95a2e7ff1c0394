//! Gatehouse's integration tests, one binary: each module is a capability, `common` starts
//! the app (in-process, or the real binary) and speaks HTTP to it.

mod common;

mod audit;
mod authentication;
mod authorization;
mod bulk;
mod busroot;
mod cli;
mod cross_site;
mod dialects;
mod e2e;
mod escape;
mod faults;
mod fourpointx;
mod fuzzed;
mod hardening;
mod hoxton;
mod import;
mod keys_cli;
mod layers;
mod listing;
mod oidc;
mod oidc_clients;
mod oidc_e2e;
mod openapi;
mod operations;
mod page_import;
mod plans;
mod replica;
mod replication;
mod scim;
mod scim_e2e;
mod scim_groups;
mod sessions;
mod signed_in;
mod structure;
mod tokens;
mod users;
mod web;

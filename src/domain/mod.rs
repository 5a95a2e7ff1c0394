//! Plain types and pure rules: the model, who may do what, and the password policy.

pub mod access;
pub mod fields;
pub mod model;
pub mod oidc;
pub mod password;
pub mod scim;

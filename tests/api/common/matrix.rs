//! The one authorization matrix: every caller against targets in their scope, in a sibling
//! plant, in a sibling site and in another organisation. Each API's tests run it through
//! their own wire format.

use super::{MEMBER, ORG_ADMIN, PLANT_ADMIN, SITE_ADMIN, SUPPORT};

/// The users the matrix acts upon, by where they hold their one role (P1, P2, P3, Q1).
pub const TARGETS: [&str; 4] = [
    "worker.p1@a.example",
    "worker.p2@a.example",
    "worker.p3@a.example",
    "worker.q1@b.example",
];

/// One row of the matrix. Each string has one letter per target (P1, P2, P3, Q1):
/// Y where the caller may, N where they may not.
pub struct Row {
    pub caller: &'static str,
    pub sees_user: &'static str,
    pub manages_user: &'static str,
    pub sees_plant: &'static str,
    pub manages_plant: &'static str,
    pub sees_site: &'static str,
    pub manages_site: &'static str,
}

pub const ROOT: &str = "superadmin";

pub const MATRIX: [Row; 6] = [
    Row {
        caller: ROOT,
        sees_user: "YYYY",
        manages_user: "YYYY",
        sees_plant: "YYYY",
        manages_plant: "YYYY",
        sees_site: "YYYY",
        manages_site: "YYYY",
    },
    Row {
        caller: ORG_ADMIN,
        sees_user: "YYYN",
        manages_user: "YYYN",
        sees_plant: "YYYN",
        manages_plant: "YYYN",
        sees_site: "YYYN",
        manages_site: "YYYN",
    },
    Row {
        caller: SITE_ADMIN,
        sees_user: "YYNN",
        manages_user: "YYNN",
        sees_plant: "YYNN",
        manages_plant: "YYNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
    Row {
        caller: PLANT_ADMIN,
        sees_user: "YNNN",
        manages_user: "YNNN",
        sees_plant: "YNNN",
        manages_plant: "NNNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
    Row {
        caller: SUPPORT,
        sees_user: "YYNN",
        manages_user: "NNNN",
        sees_plant: "YYNN",
        manages_plant: "NNNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
    Row {
        caller: MEMBER,
        sees_user: "NNNN",
        manages_user: "NNNN",
        sees_plant: "YNNN",
        manages_plant: "NNNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
];

pub fn flag(s: &str, i: usize) -> bool {
    s.as_bytes()[i] == b'Y'
}

/// What a caller gets: `ok` when allowed, 403 when they see the target but may not act,
/// 404 when the target is invisible to them.
pub fn expect(sees: bool, may: bool, ok: u16) -> u16 {
    match (sees, may) {
        (true, true) => ok,
        (true, false) => 403,
        (false, _) => 404,
    }
}

//! A users file sent over HTTP (the admin page's import): previewed line by line, every
//! line's error shown, before it is written as `gatehouse import` writes it.

use super::{import, import_line, Counts, Line, LineError, Places};
use crate::db;
use crate::domain::access::Principal;
use crate::error::Error;
use crate::ops::Env;
use rusqlite::Connection;

/// What one line of a file would do, or why it cannot be imported.
#[derive(Debug, Clone)]
pub struct LinePreview {
    pub line: usize,
    pub email: String,
    /// Ok(true): a new user; Ok(false): an existing user changed.
    pub outcome: Result<bool, Error>,
}

/// A file sent over HTTP (the admin page's import) may not carry plain passwords: each costs a
/// bcrypt inside the import's write transaction, a few tenths of a second a line that every
/// other writer waits for. `gatehouse import` takes them.
fn plain_password(line: &Line) -> Option<Error> {
    line.user.password.as_ref().map(|_| {
        Error::invalid(
            "password",
            "a file sent to the server may not carry plain passwords: give passwordHash, leave it out and reset the password later, or use gatehouse import",
        )
    })
}

/// Imports a file sent over HTTP: as `import`, refusing plain passwords first.
pub fn import_sent(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    lines: &[Line],
) -> Result<Counts, LineError> {
    if let Some((line, error)) = lines
        .iter()
        .find_map(|l| plain_password(l).map(|e| (l.number, e)))
    {
        return Err(LineError { line, error });
    }
    import(conn, env, actor, lines, false, &mut |_| {})
}

/// What importing a file sent over HTTP would do, line by line, with every line's error rather
/// than only the first: each line is written inside the one transaction of the preview (so that
/// a later line sees an earlier one, as the import would), and the transaction is rolled back.
pub fn preview(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    lines: &[Line],
) -> Result<Vec<LinePreview>, Error> {
    let tx = db::write(conn)?;
    let mut places = Places::default();
    let mut organisations = Vec::new();
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if let Some(error) = plain_password(line) {
            out.push(LinePreview {
                line: line.number,
                email: line.user.email.clone(),
                outcome: Err(error),
            });
            continue;
        }
        tx.execute_batch("SAVEPOINT line")?;
        let outcome = import_line(&tx, env, actor, &line.user, &mut places, &mut organisations);
        if outcome.is_err() {
            tx.execute_batch("ROLLBACK TO line")?;
        }
        tx.execute_batch("RELEASE line")?;
        out.push(LinePreview {
            line: line.number,
            email: line.user.email.clone(),
            outcome,
        });
    }
    // Dropped without a commit: nothing of the preview stays.
    drop(tx);
    Ok(out)
}

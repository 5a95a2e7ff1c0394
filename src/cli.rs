//! The command line: `serve` (the default), `init`, `check`, `backup <path>`, `restore`,
//! `import`, `audit`, and `completions` / `man` for the shell and the manual.

use crate::app;
use crate::clock::Clock;
use crate::config::Config;
use crate::db;
use crate::ops::bootstrap::{self, Bootstrap};
use crate::state::AppState;
use clap::{Parser, Subcommand};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

mod keys;
mod replication;

#[derive(Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "Users, roles and plant scopes: one binary, one SQLite file."
)]
pub struct Cli {
    /// Configuration file (default: ./config.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the APIs and the admin page (the default).
    Serve,
    /// Create or migrate the database and create the first superadmin, then exit.
    Init,
    /// Check the database's integrity and schema version; exits non-zero on any problem.
    Check,
    /// Copy the database to PATH with SQLite's online backup (safe while serving).
    Backup { path: PathBuf },
    /// Create or update users from FILE: JSON lines, or CSV with the export's columns plus
    /// passwordHash. One transaction per batch of 5,000 lines; a bad line stops the import.
    Import {
        path: PathBuf,
        /// Check every line and report what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Restore the database from its Litestream replica (`litestream restore`), check it (the
    /// integrity and reference checks, the audit chain) and only then put it in place.
    Restore(replication::Asked),
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Work with the keys that sign ID tokens and JWT access tokens.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Export the public signing keys.
    Jwks {
        #[command(subcommand)]
        command: keys::JwksCommand,
    },
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) to stdout.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff) to stdout: `gatehouse man > gatehouse.1`.
    Man,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; name the first row that was changed, removed or reordered.
    Verify,
    /// Remove rows older than [audit] retention now (serve also does this daily).
    Prune,
}

fn completions(shell: clap_complete::Shell) -> Result<(), String> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "gatehouse", &mut std::io::stdout());
    Ok(())
}

fn manual() -> Result<(), String> {
    use clap::CommandFactory;
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(|e| format!("cannot write the manual: {e}"))
}

/// Runs the command line; the error is one line for the operator.
pub fn main() -> Result<(), String> {
    let cli = Cli::parse();
    // These describe the command line itself: no configuration, no database.
    match &cli.command {
        Some(Command::Completions { shell }) => return completions(*shell),
        Some(Command::Man) => return manual(),
        _ => {}
    }
    let config = match &cli.config {
        Some(path) => Config::load(path, true),
        None => Config::load(Path::new("config.toml"), false),
    }
    .map_err(|e| format!("configuration: {e}"))?;
    crate::logging::init(&config.log.level, config.log.format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Init => init(config).map(|_| ()),
        Command::Check => check(&config.database.path).map(|()| replication::report(&config)),
        Command::Restore(asked) => replication::restore(&config, asked),
        Command::Backup { path } => backup(&config.database.path, &path),
        Command::Import { path, dry_run } => import(config, &path, dry_run),
        Command::Audit {
            command: AuditCommand::Verify,
        } => verify_audit(&config.database.path),
        Command::Audit {
            command: AuditCommand::Prune,
        } => prune_audit(config),
        Command::Keys {
            command: keys::KeysCommand::Rotate,
        } => keys::rotate(config),
        Command::Jwks {
            command: keys::JwksCommand::Export { path },
        } => keys::export(config, &path),
        Command::Completions { shell } => completions(shell),
        Command::Man => manual(),
    }
}

/// Opens and migrates the database, and creates the first superadmin if there are no users.
fn init(config: Config) -> Result<AppState, String> {
    let path = config.database.path.display().to_string();
    let state =
        AppState::open(config, Clock::default()).map_err(|e| format!("database {path}: {e}"))?;
    let email = std::env::var("GATEHOUSE_ADMIN_EMAIL").unwrap_or_else(|_| "admin@localhost".into());
    let password = std::env::var("GATEHOUSE_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    if state.env.replica() {
        return Ok(state);
    }
    let mut conn = state
        .pool
        .get()
        .map_err(|e| format!("database {path}: {e}"))?;
    crate::ops::replication::first_start(&mut conn, &state.env).map_err(|e| match e {
        crate::error::Error::Internal(why) => format!("database {path}: {why}"),
        other => format!("database {path}: {other}"),
    })?;
    crate::ops::oidc::keys::ensure(&mut conn, &state.env)
        .map_err(|e| format!("signing keys: {e}"))?;
    match bootstrap::bootstrap(&mut conn, &state.env, &email, password)
        .map_err(|e| format!("first superadmin: {e}"))?
    {
        Bootstrap::NotNeeded => {}
        Bootstrap::Created { email } => log::info!("created the first superadmin {email}"),
        Bootstrap::Generated { email, password } => log::warn!(
            "created the first superadmin {email} with the generated password {password} \
             (it must be changed at first sign-in and is not shown again)"
        ),
    }
    drop(conn);
    Ok(state)
}

fn serve(config: Config) -> Result<(), String> {
    let bind = config.server.bind.clone();
    let state = init(config)?;
    let listener =
        std::net::TcpListener::bind(&bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    log::info!(
        "gatehouse {} listening on http://{address}",
        env!("CARGO_PKG_VERSION")
    );
    // Whoever started the server waits for this line: it goes out now, not with the batch.
    crate::logging::flush();
    // The socket is bound: connections wait in its queue until the workers take them.
    crate::notify::ready();
    actix_web::rt::System::new()
        .block_on(app::serve(listener, state))
        .map_err(|e| format!("server: {e}"))
}

fn open_existing(path: &Path) -> Result<Connection, String> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open database {}: {e}", path.display()))
}

fn check(path: &Path) -> Result<(), String> {
    let conn = open_existing(path)?;
    let problems = db::check(&conn).map_err(|e| format!("{}: {e}", path.display()))?;
    if !problems.is_empty() {
        return Err(format!("{}: {}", path.display(), problems.join("; ")));
    }
    let version = db::schema_version(&conn).map_err(|e| e.to_string())?;
    println!("{}: ok (schema version {version})", path.display());
    Ok(())
}

fn backup(path: &Path, target: &Path) -> Result<(), String> {
    let conn = open_existing(path)?;
    db::backup(&conn, target)
        .map_err(|e| format!("backup of {} to {}: {e}", path.display(), target.display()))?;
    check(target)?;
    println!("backup written to {}", target.display());
    Ok(())
}

fn verify_audit(path: &Path) -> Result<(), String> {
    let conn = open_existing(path)?;
    let rows =
        db::audit::verify(&conn).map_err(|problem| format!("{}: {problem}", path.display()))?;
    println!("{}: audit trail intact ({rows} rows)", path.display());
    Ok(())
}

fn prune_audit(config: Config) -> Result<(), String> {
    let path = config.database.path.display().to_string();
    let state =
        AppState::open(config, Clock::default()).map_err(|e| format!("database {path}: {e}"))?;
    let mut conn = state
        .pool
        .get()
        .map_err(|e| format!("database {path}: {e}"))?;
    let removed =
        crate::ops::audit::prune(&mut conn, &state.env).map_err(|e| format!("audit prune: {e}"))?;
    println!("{path}: {removed} audit rows removed");
    Ok(())
}

/// Reports an import's progress: a bar with rows/s and time left on a terminal, a line every
/// five seconds otherwise.
struct Progress {
    total: usize,
    started: std::time::Instant,
    last_line: std::time::Instant,
    terminal: bool,
}

impl Progress {
    fn show(&mut self, done: usize) {
        use std::io::Write;
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / seconds;
        let left = (self.total - done) as f64 / rate.max(1.0);
        if self.terminal {
            let width = 30;
            let filled = width * done / self.total.max(1);
            eprint!(
                "\r[{}{}] {done}/{} rows, {rate:.0} rows/s, {left:.0} s left ",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.total
            );
            let _ = std::io::stderr().flush();
        } else if self.last_line.elapsed().as_secs() >= 5 || done == self.total {
            eprintln!(
                "import: {done}/{} rows, {rate:.0} rows/s, {left:.0} s left",
                self.total
            );
            self.last_line = std::time::Instant::now();
        }
    }
}

fn import(config: Config, path: &Path, dry_run: bool) -> Result<(), String> {
    use std::io::IsTerminal;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lines = crate::api::import::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let state = init(config)?;
    let mut conn = state.pool.get().map_err(|e| e.to_string())?;
    // A bulk load touches every index page of the users; give this one connection room for
    // them (64 MiB; the server's connections keep SQLite's default).
    conn.execute_batch("PRAGMA cache_size = -65536")
        .map_err(|e| format!("database: {e}"))?;
    let mut progress = Progress {
        total: lines.len(),
        started: std::time::Instant::now(),
        last_line: std::time::Instant::now(),
        terminal: std::io::stderr().is_terminal(),
    };
    let operator = crate::domain::access::Principal::operator();
    let counts = crate::ops::import::import(
        &mut conn,
        &state.env,
        &operator,
        &lines,
        dry_run,
        &mut |done| progress.show(done),
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    if progress.terminal {
        eprintln!();
    }
    let seconds = progress.started.elapsed().as_secs_f64();
    println!("{}: {}", path.display(), summary(counts, dry_run, seconds));
    Ok(())
}

/// What an import did, in one line: "created 3 and updated 2 users in 0.1 s".
fn summary(counts: crate::ops::import::Counts, dry_run: bool, seconds: f64) -> String {
    let (create, update) = match dry_run {
        true => ("would create", "update"),
        false => ("created", "updated"),
    };
    format!(
        "{create} {} and {update} {} users in {seconds:.1} s",
        counts.created, counts.updated
    )
}

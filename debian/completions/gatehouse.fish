# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_gatehouse_global_optspecs
    string join \n config= h/help V/version
end

function __fish_gatehouse_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_gatehouse_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_gatehouse_using_subcommand
    set -l cmd (__fish_gatehouse_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c gatehouse -n "__fish_gatehouse_needs_command" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_needs_command" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -s V -l version -d 'Print version'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "serve" -d 'Serve the APIs and the admin page (the default)'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "init" -d 'Create or migrate the database and create the first superadmin, then exit'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "check" -d 'Check the database\'s integrity and schema version; exits non-zero on any problem'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "backup" -d 'Copy the database to PATH with SQLite\'s online backup (safe while serving)'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "import" -d 'Create or update users from FILE: JSON lines, or CSV with the export\'s columns plus passwordHash. One transaction per batch of 5,000 lines; a bad line stops the import'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "restore" -d 'Restore the database from its Litestream replica (`litestream restore`), check it (the integrity and reference checks, the audit chain) and only then put it in place'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "audit" -d 'Work with the audit trail'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "keys" -d 'Work with the keys that sign ID tokens and JWT access tokens'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "jwks" -d 'Export the public signing keys'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "completions" -d 'Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) to stdout'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "man" -d 'Print the manual page (roff) to stdout: `gatehouse man > gatehouse.1`'
complete -c gatehouse -n "__fish_gatehouse_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand serve" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand serve" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand init" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand init" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand check" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand check" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand backup" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand backup" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand import" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand import" -l dry-run -d 'Check every line and report what would change, writing nothing'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand import" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand restore" -l from -d 'The same as REPLICA_URL' -r
complete -c gatehouse -n "__fish_gatehouse_using_subcommand restore" -l timestamp -d 'Restore the database as it was at this time (RFC 3339, e.g. 2026-12-01T14:30:00Z)' -r
complete -c gatehouse -n "__fish_gatehouse_using_subcommand restore" -s o -l output -d 'Write the restored database here instead of [database] path' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand restore" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand restore" -l force -d 'Replace a database that exists at the target (stop Gatehouse first)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand restore" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and not __fish_seen_subcommand_from verify prune help" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and not __fish_seen_subcommand_from verify prune help" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and not __fish_seen_subcommand_from verify prune help" -f -a "verify" -d 'Walk the hash chain; name the first row that was changed, removed or reordered'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and not __fish_seen_subcommand_from verify prune help" -f -a "prune" -d 'Remove rows older than [audit] retention now (serve also does this daily)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and not __fish_seen_subcommand_from verify prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and __fish_seen_subcommand_from verify" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and __fish_seen_subcommand_from prune" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Walk the hash chain; name the first row that was changed, removed or reordered'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove rows older than [audit] retention now (serve also does this daily)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and not __fish_seen_subcommand_from rotate help" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and not __fish_seen_subcommand_from rotate help" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and not __fish_seen_subcommand_from rotate help" -f -a "rotate" -d 'Make new signing keys (EdDSA, ES256, RS256); the old ones sign nothing more but stay in the JWKS until every token they signed has expired'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and not __fish_seen_subcommand_from rotate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Make new signing keys (EdDSA, ES256, RS256); the old ones sign nothing more but stay in the JWKS until every token they signed has expired'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and not __fish_seen_subcommand_from export help" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and not __fish_seen_subcommand_from export help" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and not __fish_seen_subcommand_from export help" -f -a "export" -d 'Write the public keys (a JWKS) to FILE, for verifiers with no way to reach Gatehouse'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and not __fish_seen_subcommand_from export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and __fish_seen_subcommand_from export" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write the public keys (a JWKS) to FILE, for verifiers with no way to reach Gatehouse'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand jwks; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand completions" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand completions" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand man" -l config -d 'Configuration file (default: ./config.toml when present)' -r -F
complete -c gatehouse -n "__fish_gatehouse_using_subcommand man" -s h -l help -d 'Print help'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "serve" -d 'Serve the APIs and the admin page (the default)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "init" -d 'Create or migrate the database and create the first superadmin, then exit'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "check" -d 'Check the database\'s integrity and schema version; exits non-zero on any problem'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "backup" -d 'Copy the database to PATH with SQLite\'s online backup (safe while serving)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "import" -d 'Create or update users from FILE: JSON lines, or CSV with the export\'s columns plus passwordHash. One transaction per batch of 5,000 lines; a bad line stops the import'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "restore" -d 'Restore the database from its Litestream replica (`litestream restore`), check it (the integrity and reference checks, the audit chain) and only then put it in place'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "audit" -d 'Work with the audit trail'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "keys" -d 'Work with the keys that sign ID tokens and JWT access tokens'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "jwks" -d 'Export the public signing keys'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "completions" -d 'Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) to stdout'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "man" -d 'Print the manual page (roff) to stdout: `gatehouse man > gatehouse.1`'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and not __fish_seen_subcommand_from serve init check backup import restore audit keys jwks completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Walk the hash chain; name the first row that was changed, removed or reordered'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "prune" -d 'Remove rows older than [audit] retention now (serve also does this daily)'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "rotate" -d 'Make new signing keys (EdDSA, ES256, RS256); the old ones sign nothing more but stay in the JWKS until every token they signed has expired'
complete -c gatehouse -n "__fish_gatehouse_using_subcommand help; and __fish_seen_subcommand_from jwks" -f -a "export" -d 'Write the public keys (a JWKS) to FILE, for verifiers with no way to reach Gatehouse'

//! SQL text shared by the store's files: multi-row `VALUES` lists under the bind limit, and the
//! statements shared with sqlx run through rusqlite (`bound`).

/// Bind parameters one statement may carry: SQLite's limit (SQLITE_MAX_VARIABLE_NUMBER, 32,766
/// in the bundled SQLite 3.51); PostgreSQL allows 65,535.
pub(super) const MAX_BINDS: usize = 32_766;

/// `rows` comma-separated tuples of `per_row` placeholders numbered from `$first`, each followed
/// by `tail` (parameters or literals shared by every row): `tuples(2, 2, 2, ", $1")` is
/// `($2, $3, $1), ($4, $5, $1)`.
pub(super) fn tuples(rows: usize, per_row: usize, first: usize, tail: &str) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(rows * (per_row * 7 + tail.len() + 4));
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..per_row {
            if c > 0 {
                s.push_str(", ");
            }
            let _ = write!(s, "${}", first + r * per_row + c);
        }
        s.push_str(tail);
        s.push(')');
    }
    s
}

/// The cached statement for `sql` with `args` bound to its `$1`, `$2`, … (the sqlx spelling the
/// statements share; SQLite numbers such parameters in the order they first appear, so they are
/// bound by name; one a statement does not use is left out).
pub(super) fn bound<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> super::Result<rusqlite::CachedStatement<'c>> {
    const NAMES: [&str; 12] = [
        "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12",
    ];
    let mut statement = conn.prepare_cached(sql)?;
    for (name, arg) in NAMES.iter().zip(args) {
        if let Some(at) = statement.parameter_index(name)? {
            statement.raw_bind_parameter(at, arg)?;
        }
    }
    Ok(statement)
}

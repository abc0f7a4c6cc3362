//! SQL text shared by the store's files: multi-row `VALUES` lists under the bind limit.

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

//! Passwords and session tokens. Argon2id hashing is CPU-heavy: callers on the async runtime
//! run these in `spawn_blocking`.

use argon2::password_hash::generate_salt;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use sha2::{Digest, Sha256};

/// Whose password is being hashed: it decides the cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// Staff choose their own passwords: OWASP's Argon2id minimum (19 MiB, 2 passes).
    Staff,
    /// Candidates get a random 10-character password (≈ 50 bits) valid for one exam; a lighter
    /// cost (4 MiB, 1 pass) keeps issuing 10,000 of them, and 10,000 logins before a national
    /// sitting, within a minute or two on one test-centre server.
    IssuedToCandidate,
}

fn hasher(strength: Strength) -> Argon2<'static> {
    let params = match strength {
        Strength::Staff => Params::new(19 * 1024, 2, 1, None),
        Strength::IssuedToCandidate => Params::new(4 * 1024, 1, 1, None),
    }
    .expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str, strength: Strength) -> String {
    hasher(strength)
        .hash_password_with_salt(password.as_bytes(), &generate_salt())
        .expect("Argon2 hashing with a fresh salt")
        .to_string()
}

/// Checks a password against a stored PHC string (its own parameters are used).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// Letters and digits without look-alikes (no I, L, O, 0, 1), for passwords read off paper.
const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A random password for a candidate, from the operating system's RNG.
pub fn issue_password() -> String {
    let mut out = String::new();
    while out.len() < 10 {
        for b in generate_salt() {
            // Rejection sampling keeps every character equally likely.
            if (b as usize) < 256 - 256 % PASSWORD_ALPHABET.len() && out.len() < 10 {
                out.push(PASSWORD_ALPHABET[b as usize % PASSWORD_ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// A seed nobody can guess (an event's, when the office gives none): 63 bits from the
/// operating system's random source, so it fits a signed 64-bit column.
pub fn random_seed() -> u64 {
    let bytes = generate_salt();
    u64::from_le_bytes(bytes[..8].try_into().expect("a salt has 16 bytes")) >> 1
}

/// A new session token (for the cookie) and its id (what the database keeps: its SHA-256).
pub fn new_session_token() -> (String, String) {
    let mut bytes = generate_salt().to_vec();
    bytes.extend_from_slice(&generate_salt());
    let token = hex::encode(bytes);
    let id = session_id(&token);
    (token, id)
}

pub fn session_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The key failed logins against a candidate's ticket are counted under (for unlocking).
pub fn candidate_login_key(ticket: &str) -> String {
    format!("candidate:{ticket}")
}

/// The key failed logins against a staff account are counted under.
pub fn staff_login_key(username: &str) -> String {
    format!("staff:{username}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_reject() {
        for strength in [Strength::Staff, Strength::IssuedToCandidate] {
            let h = hash_password("正确的密码", strength);
            assert!(h.starts_with("$argon2id$"), "{h}");
            assert!(verify_password("正确的密码", &h));
            assert!(!verify_password("错误的密码", &h));
        }
    }

    #[test]
    fn issued_passwords_are_random_and_unambiguous() {
        let a = issue_password();
        assert_eq!(a.len(), 10);
        assert!(a.bytes().all(|b| PASSWORD_ALPHABET.contains(&b)), "{a}");
        assert_ne!(a, issue_password());
    }
}

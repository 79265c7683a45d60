//! Secrets: password hashing (argon2id), random tokens and their hashes, CSRF tokens, cookies,
//! and the sign-in rate limiter. Nothing here logs; callers never log what passes through here.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "kith_session";
/// The cookie that carries the sign-in form's CSRF token before there is a session.
pub const FORM_CSRF_COOKIE: &str = "kith_csrf";
/// The header that carries the CSRF token on API calls authenticated by the session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// What an API token starts with, so that a leaked one is easy to recognise and search for.
pub const TOKEN_PREFIX: &str = "kith_";

pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| format!("no randomness from the system: {e}"))?;
    Ok(b)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret: 256 bits, hex.
pub fn new_secret() -> Result<String, String> {
    Ok(hex(&random_bytes::<32>()?))
}

/// A new API token: `kith_` and 256 random bits.
pub fn new_api_token() -> Result<String, String> {
    Ok(format!("{TOKEN_PREFIX}{}", new_secret()?))
}

/// How random tokens are stored: SHA-256, hex. (They carry 256 bits of entropy, so a fast hash
/// is enough; passwords get argon2id.)
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a session: derived from the session's secret, so it needs no storage and
/// dies with the session. Forms and API calls with the cookie must echo it.
pub fn csrf_for_session(session_token: &str) -> String {
    hex(&Sha256::digest(format!("kith-csrf\0{session_token}").as_bytes()))
}

/// Equality whose time does not depend on where the inputs differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// An argon2id PHC string for `password` (argon2's default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches a stored hash. With no hash (unknown user, or a user without a
/// password), a dummy hash is checked anyway, so the answer takes as long either way.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash_password("kith-dummy-password").unwrap_or_else(|_| String::new()));
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// A cookie's value from a `Cookie` request header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|kv| kv.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when served over TLS.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Failed sign-ins, counted per key (an account's email, a client address) in a fixed window.
///
/// In memory, so it holds for one server process: with several replicas behind a load
/// balancer each counts on its own (the effective limit is multiplied by the replica count).
pub struct Limiter {
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Limiter {
    pub fn new(window: Duration) -> Limiter {
        Limiter { window, failures: Mutex::new(HashMap::new()) }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        // A panic while holding the lock cannot leave the map inconsistent; keep using it.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `key` has had `max` failures in the current window; if so, for how long still.
    pub fn blocked(&self, key: &str, max: u32) -> Option<Duration> {
        let map = self.map();
        let (n, since) = map.get(key)?;
        let left = self.window.checked_sub(since.elapsed())?;
        (*n >= max).then_some(left)
    }

    pub fn fail(&self, key: &str) {
        let mut map = self.map();
        let now = Instant::now();
        if map.len() > 100_000 {
            // Bounded memory under a flood of distinct keys: forget the windows that are over.
            let window = self.window;
            map.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let e = map.entry(key.to_string()).or_insert((0, now));
        if now.duration_since(e.1) >= self.window {
            *e = (0, now);
        }
        e.0 += 1;
    }

    pub fn clear(&self, key: &str) {
        self.map().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse", Some(&h)));
        assert!(!verify_password("correct hors", Some(&h)));
        assert!(!verify_password("correct horse", None));
        assert!(!verify_password("x", Some("not a hash")));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_api_token().unwrap(), new_api_token().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_ne!(csrf_for_session(&a), csrf_for_session(&b));
    }

    #[test]
    fn cookies_and_equality() {
        assert_eq!(cookie("a=1; kith_session=xyz; b=2", SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie("kith_sessionx=1", SESSION_COOKIE), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn limiter_blocks_after_max_failures_and_clears() {
        let l = Limiter::new(Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.blocked("k", 3).is_none());
            l.fail("k");
        }
        assert!(l.blocked("k", 3).is_some());
        assert!(l.blocked("other", 3).is_none());
        l.clear("k");
        assert!(l.blocked("k", 3).is_none());
    }
}

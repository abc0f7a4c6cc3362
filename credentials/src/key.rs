//! The issuer's Ed25519 signing key: read from the PKCS#8 PEM file the exam office configures
//! (as `openssl genpkey -algorithm ed25519` writes it), made new for `keygen`, and published as a
//! public JWK (RFC 8037) for verifiers.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signer;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes};
use rand::TryRng;
use rand::rngs::SysRng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The issuer's private key. `Debug` shows only the public key.
#[derive(Debug, Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

/// Why a key file was refused. The file is the exam office's configuration, so the message says
/// what file is expected and how to make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// `-----BEGIN ENCRYPTED PRIVATE KEY-----`: the server has no passphrase to open it.
    Encrypted,
    /// Not PEM, not PKCS#8, or another algorithm's key (RSA, EC…). `detail` is the parser's
    /// reason, for the log.
    NotEd25519Pkcs8 { detail: String },
}

impl KeyError {
    pub fn message_zh(&self) -> String {
        const EXPECTED: &str = "Ed25519 私钥（PKCS#8 PEM，如 openssl genpkey -algorithm ed25519 生成的）";
        match self {
            KeyError::Encrypted => format!("签名密钥文件是加密的私钥，服务器无法读取；请改用未加密的 {EXPECTED}"),
            KeyError::NotEd25519Pkcs8 { .. } => format!("签名密钥文件不是 {EXPECTED}"),
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_zh())?;
        if let KeyError::NotEd25519Pkcs8 { detail } = self {
            write!(f, "（{detail}）")?;
        }
        Ok(())
    }
}

impl std::error::Error for KeyError {}

impl SigningKey {
    /// A `-----BEGIN PRIVATE KEY-----` PEM holding an Ed25519 key (PKCS#8 v1 as OpenSSL writes it,
    /// or v2 with the public key, which must then match). A byte-order mark, surrounding blank
    /// lines and Windows line ends, as a text editor may leave them, are accepted.
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey, KeyError> {
        let pem = pem.trim_start_matches('\u{feff}').trim();
        if pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(KeyError::Encrypted);
        }
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map(SigningKey)
            .map_err(|e| KeyError::NotEd25519Pkcs8 { detail: e.to_string() })
    }

    /// A new key from the operating system's random number generator.
    ///
    /// # Panics
    /// If the operating system gives no random bytes (as `rand::random` would).
    pub fn generate() -> SigningKey {
        let mut secret = [0u8; ed25519_dalek::SECRET_KEY_LENGTH];
        SysRng
            .try_fill_bytes(&mut secret)
            .expect("the operating system's random number generator failed");
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&secret))
    }

    /// The key as `from_pkcs8_pem` reads it: PKCS#8 v1 without the public key, LF line ends,
    /// byte for byte what `openssl genpkey -algorithm ed25519` writes for the same key.
    pub fn to_pkcs8_pem(&self) -> String {
        let v1 = KeypairBytes {
            secret_key: self.0.to_bytes(),
            public_key: None,
        };
        v1.to_pkcs8_pem(LineEnding::LF)
            .expect("a 32-byte Ed25519 key always encodes")
            .to_string()
    }

    /// The public key's 32 bytes.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The public key as a JWK (RFC 8037): what verifiers need, published at the URL `kid` names.
    pub fn public_jwk(&self, kid: &str) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.public_key_bytes()),
            "kid": kid,
            "alg": "EdDSA",
            "use": "sig",
        })
    }

    /// The public key's JWK Thumbprint (RFC 7638, SHA-256, base64url): a name that changes with
    /// the key, for a `kid` such as `https://<base>/issuer#<thumbprint>`, so a new key never
    /// reuses an old key's `kid`.
    pub fn jwk_thumbprint(&self) -> String {
        // The required members in lexicographic order, no whitespace (RFC 7638 §3.2, RFC 8037 §2).
        let canonical = format!(
            r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
            URL_SAFE_NO_PAD.encode(self.public_key_bytes())
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical))
    }

    /// The Ed25519 signature of `message` (the JWS signing input).
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Made for these tests with `openssl genpkey -algorithm ed25519` (OpenSSL 3.0.19).
    pub(crate) const OPENSSL_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIKzpdkc7gqFWNPU4lmMFSEhbP9LU/8E642elVAW98GAw
-----END PRIVATE KEY-----
";
    /// Its public key, from `openssl pkey -in key.pem -text -noout`.
    const OPENSSL_PUBLIC: &str = "6ed64246406c15c817be198f476d8efa587379715ed269f1a83ee8057ffd6f45";

    /// RFC 8032 §7.1 TEST 1's secret key in PKCS#8 v1 (`302e…0420` then the 32 bytes
    /// 9d61b19d…1cae7f60); RFC 8037 Appendix A uses the same key.
    pub(crate) const RFC8032_TEST1_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
";

    #[test]
    fn openssl_key_loads_with_its_public_key() {
        let key = SigningKey::from_pkcs8_pem(OPENSSL_PEM).unwrap();
        assert_eq!(hex::encode(key.public_key_bytes()), OPENSSL_PUBLIC);
        // Written back byte for byte as OpenSSL wrote it.
        assert_eq!(key.to_pkcs8_pem(), OPENSSL_PEM);
    }

    #[test]
    fn rfc8032_test_1() {
        let key = SigningKey::from_pkcs8_pem(RFC8032_TEST1_PEM).unwrap();
        assert_eq!(
            hex::encode(key.public_key_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex::encode(key.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn rfc8037_public_jwk_and_thumbprint() {
        let key = SigningKey::from_pkcs8_pem(RFC8032_TEST1_PEM).unwrap();
        assert_eq!(
            key.public_jwk("https://cmq.example.org/issuer#key-1"),
            json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                "kid": "https://cmq.example.org/issuer#key-1",
                "alg": "EdDSA",
                "use": "sig",
            })
        );
        // RFC 8037 Appendix A.3.
        assert_eq!(key.jwk_thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn windows_line_ends_and_bom_accepted() {
        let edited = format!("\u{feff}\r\n{}\r\n", OPENSSL_PEM.replace('\n', "\r\n"));
        let key = SigningKey::from_pkcs8_pem(&edited).unwrap();
        assert_eq!(hex::encode(key.public_key_bytes()), OPENSSL_PUBLIC);
    }

    #[test]
    fn generated_keys_differ_and_round_trip_through_pem() {
        let (a, b) = (SigningKey::generate(), SigningKey::generate());
        assert_ne!(a.public_key_bytes(), b.public_key_bytes());
        let pem = a.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(
            SigningKey::from_pkcs8_pem(&pem).unwrap().public_key_bytes(),
            a.public_key_bytes()
        );
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let key = SigningKey::from_pkcs8_pem(RFC8032_TEST1_PEM).unwrap();
        let shown = format!("{key:?}").to_lowercase();
        assert!(
            !shown.contains("9d61b19d") && !shown.contains("157, 97, 177"),
            "{shown}"
        );
    }

    #[test]
    fn not_an_ed25519_key_refused_in_chinese() {
        const NOT_ED25519: &str =
            "签名密钥文件不是 Ed25519 私钥（PKCS#8 PEM，如 openssl genpkey -algorithm ed25519 生成的）";
        // The test key's public half, a P-256 private key (`openssl genpkey -algorithm EC`), a PEM of
        // garbage, and no PEM at all.
        let public = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAbtZCRkBsFcgXvhmPR22O+lhzeXFe0mnxqD7oBX/9b0U=
-----END PUBLIC KEY-----
";
        let p256 = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtsuwR/Vg0WdQRb3U
Akw8ZNyhCcdtDHFUnxOePLJjoQWhRANCAAQaejvpTyo1WEwcsjwR3XYXeAU3iqds
D41vPhLRovb7WVwYDhEhi2KgXMX7XK1wpiBGChsrnXlThvH0DGicjOZI
-----END PRIVATE KEY-----
";
        let garbage = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";
        for pem in [public, p256, garbage, "", "hello"] {
            let error = SigningKey::from_pkcs8_pem(pem).unwrap_err();
            assert!(matches!(error, KeyError::NotEd25519Pkcs8 { .. }), "{pem}: {error:?}");
            assert_eq!(error.message_zh(), NOT_ED25519);
            assert!(error.to_string().starts_with(NOT_ED25519));
        }

        let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        let error = SigningKey::from_pkcs8_pem(encrypted).unwrap_err();
        assert_eq!(error, KeyError::Encrypted);
        assert!(error.message_zh().contains("加密"));
    }
}

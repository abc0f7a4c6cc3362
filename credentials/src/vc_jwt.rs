//! A credential signed as a VC-JWT: a compact JWS (RFC 7515) whose payload is the credential
//! itself, signed with the issuer's Ed25519 key.
//!
//! # Header
//! `{"alg":"EdDSA","typ":"vc+jwt","kid":…}` and nothing else.
//! - `typ` is `vc+jwt` as VC-JOSE-COSE §3.1.1 asks (the media type `application/vc+jwt`). OB 3.0's
//!   JWT proof table still says "if present, MUST be `JWT`", written for the older VC-JWT; we
//!   follow the W3C Recommendation OB 3.0 itself refers to, and a verifier that reads OB 3.0
//!   literally may object. [`JWT_TYP`] is the one place to change it.
//! - `alg` is `EdDSA` (RFC 8037), what JOSE libraries and VC tooling recognise for Ed25519 today.
//!   RFC 9864 (2025) deprecates it for the fully-specified `Ed25519`, which [`verify_vc_jwt`]
//!   accepts as well. OB 3.0 makes RS256 the one algorithm its conformance tests require; other
//!   algorithms are "permitted but … limit interoperability".
//! - `kid` names the key, e.g. a URL where [`crate::SigningKey::public_jwk`] is published
//!   (OB 3.0: a URI that dereferences to the JWK).
//!
//! # Claims added to the credential
//! VC-JOSE-COSE makes the credential the JWT claims set (no `vc` claim: it MUST NOT be present)
//! and allows registered claims beside it, asking only that they do not conflict with the
//! credential's own properties. OB 3.0 requires some of them; so, with the values OB 3.0 gives:
//! - `iss` = `issuer.id` (OB 3.0 required; VC-JOSE-COSE: if present it MUST match `issuer.id`);
//! - `jti` = `id` (OB 3.0 required);
//! - `nbf` = `validFrom` (OB 3.0 required, and its verifier checks the two are equal, hence
//!   `validFrom` in whole seconds). VC-JOSE-COSE calls `nbf` NOT RECOMMENDED, a signature having
//!   no future start; we follow OB 3.0, whose verifiers would otherwise refuse the credential;
//! - `iat` = `validFrom`: VC-JOSE-COSE reads `iat` as when the signature was made; this crate has
//!   no clock, and the credential is signed when the certificate is issued;
//! - `exp` = `validUntil`, when there is one (OB 3.0 required then; VC-JOSE-COSE: the signature's
//!   expiry, which rightly ends with the certificate's validity).
//!
//! `sub` (OB 3.0: `credentialSubject.id`) is left out: the holder has no id, only identifiers.
//! A verifier that follows OB 3.0's "MUST have the `sub` claim" to the letter refuses such a
//! credential; VC-JOSE-COSE does not ask for `sub`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Map, Value, json};

use crate::datetime::numeric_date;
use crate::key::SigningKey;

/// The JOSE header's `typ` (VC-JOSE-COSE §3.1.1).
pub const JWT_TYP: &str = "vc+jwt";
/// The JOSE header's `alg` (RFC 8037).
pub const JWT_ALG: &str = "EdDSA";

/// Why a VC-JWT was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Not three base64url parts, or the header or payload is not a JSON object.
    Malformed(&'static str),
    /// `alg` is not Ed25519 (`EdDSA` or `Ed25519`).
    Algorithm(String),
    /// `typ` is not `vc+jwt`.
    Type(Option<String>),
    /// The JWK given to verify with is not an Ed25519 public key.
    Key(&'static str),
    /// The header's `kid` names another key than the JWK's `kid`.
    KeyMismatch,
    /// The signature does not verify with the key: the token was altered or signed with another key.
    Signature,
    /// A JWT claim disagrees with the credential it is added to (`iss`, `jti`, `nbf` or `exp`).
    Claim(&'static str),
}

impl VerifyError {
    pub fn message_zh(&self) -> String {
        match self {
            VerifyError::Malformed(what) => format!("电子证书格式不正确（{what}）"),
            VerifyError::Algorithm(alg) => format!("电子证书的签名算法 {alg} 不受支持，应为 Ed25519"),
            VerifyError::Type(_) => "电子证书的类型不是 vc+jwt".into(),
            VerifyError::Key(what) => format!("验证用的公钥不是 Ed25519 公钥（{what}）"),
            VerifyError::KeyMismatch => "电子证书由另一把密钥签发，与所给公钥的 kid 不符".into(),
            VerifyError::Signature => "电子证书签名无效：内容被改动过，或不是本机构签发的".into(),
            VerifyError::Claim(claim) => format!("电子证书的 {claim} 与证书内容不一致"),
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_zh())
    }
}

impl std::error::Error for VerifyError {}

/// The credential as a compact JWS: header `{"alg":"EdDSA","typ":"vc+jwt","kid":kid}`, payload the
/// credential with `iss`, `jti`, `nbf`, `iat` and `exp` added as the module documentation says
/// (each only if the credential has the property it copies). Works for any VC 2.0 credential
/// object, the status list credentials included; a non-object is signed as it is.
pub fn sign_vc_jwt(credential: &Value, key: &SigningKey, kid: &str) -> String {
    let header = json!({ "alg": JWT_ALG, "typ": JWT_TYP, "kid": kid });
    let mut payload = credential.clone();
    if let Value::Object(claims) = &mut payload {
        for (claim, value) in registered_claims(claims) {
            if let Some(value) = value {
                claims.insert(claim.into(), value);
            }
        }
    }
    let header = serde_json::to_vec(&header).expect("JSON values serialize");
    let payload = serde_json::to_vec(&payload).expect("JSON values serialize");
    compact_jws(&header, &payload, key)
}

/// The payload of a VC-JWT made by [`sign_vc_jwt`], once its signature verifies with
/// `public_jwk` (as [`crate::SigningKey::public_jwk`] gives it) and its claims agree with the
/// credential. The payload is the credential with the JWT claims still in it.
///
/// Times are not checked (no clock here): the caller compares `validFrom`/`validUntil` with now,
/// and reads the status lists.
pub fn verify_vc_jwt(jwt: &str, public_jwk: &Value) -> Result<Value, VerifyError> {
    let (header, payload) = verify_compact_jws(jwt, public_jwk)?;
    match header.get("typ").and_then(Value::as_str) {
        Some(JWT_TYP) => {}
        other => return Err(VerifyError::Type(other.map(str::to_string))),
    }
    let claims: Map<String, Value> =
        serde_json::from_slice(&payload).map_err(|_| VerifyError::Malformed("payload is not a JSON object"))?;
    for (claim, expected) in registered_claims(&claims) {
        if claims.get(claim) != expected.as_ref() {
            return Err(VerifyError::Claim(claim));
        }
    }
    Ok(Value::Object(claims))
}

/// The JWT claims a credential implies, each `None` where the credential lacks the property.
fn registered_claims(credential: &Map<String, Value>) -> [(&'static str, Option<Value>); 5] {
    let issuer = match credential.get("issuer") {
        Some(Value::String(id)) => Some(id.clone()),
        Some(Value::Object(profile)) => profile.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    };
    let date = |property: &str| {
        let text = credential.get(property)?.as_str()?;
        numeric_date(text).map(Value::from)
    };
    [
        ("iss", issuer.map(Value::from)),
        ("jti", credential.get("id").filter(|id| id.is_string()).cloned()),
        ("nbf", date("validFrom")),
        ("iat", date("validFrom")),
        ("exp", date("validUntil")),
    ]
}

/// RFC 7515 §7.1: BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature).
fn compact_jws(header: &[u8], payload: &[u8], key: &SigningKey) -> String {
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// The header (a JSON object) and the payload's bytes of a compact JWS whose Ed25519 signature
/// verifies with `public_jwk`.
fn verify_compact_jws(jwt: &str, public_jwk: &Value) -> Result<(Map<String, Value>, Vec<u8>), VerifyError> {
    let mut parts = jwt.trim().split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed("not three parts separated by dots"));
    };
    let decode = |part: &str, what| URL_SAFE_NO_PAD.decode(part).map_err(|_| VerifyError::Malformed(what));
    let header: Map<String, Value> = serde_json::from_slice(&decode(header_b64, "header is not base64url")?)
        .map_err(|_| VerifyError::Malformed("header is not a JSON object"))?;
    let payload = decode(payload_b64, "payload is not base64url")?;
    let signature = decode(signature_b64, "signature is not base64url")?;

    match header.get("alg").and_then(Value::as_str) {
        Some("EdDSA" | "Ed25519") => {}
        other => return Err(VerifyError::Algorithm(other.unwrap_or("(none)").to_string())),
    }
    let key = verifying_key(public_jwk)?;
    if let (Some(signed_with), Some(given)) = (header.get("kid"), public_jwk.get("kid"))
        && signed_with != given
    {
        return Err(VerifyError::KeyMismatch);
    }
    let signature = Signature::from_slice(&signature).map_err(|_| VerifyError::Signature)?;
    let signing_input = &jwt.trim().as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    // Strict: also refuses the malleable signatures and weak keys plain Ed25519 verification lets through.
    key.verify_strict(signing_input, &signature)
        .map_err(|_| VerifyError::Signature)?;
    Ok((header, payload))
}

/// An RFC 8037 public JWK: `kty` `OKP`, `crv` `Ed25519`, `x` the 32 bytes in base64url.
fn verifying_key(jwk: &Value) -> Result<VerifyingKey, VerifyError> {
    if jwk.get("kty").and_then(Value::as_str) != Some("OKP") {
        return Err(VerifyError::Key("kty is not OKP"));
    }
    if jwk.get("crv").and_then(Value::as_str) != Some("Ed25519") {
        return Err(VerifyError::Key("crv is not Ed25519"));
    }
    let x = jwk.get("x").and_then(Value::as_str).ok_or(VerifyError::Key("no x"))?;
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(x)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(VerifyError::Key("x is not 32 bytes in base64url"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| VerifyError::Key("x is not a point of Ed25519"))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::key::tests::{OPENSSL_PEM, RFC8032_TEST1_PEM};
    use crate::open_badge::{CertificateClaims, Issuer, open_badge_credential};

    const KID: &str = "https://cmq.example.org/issuer#key-1";

    fn key() -> SigningKey {
        SigningKey::from_pkcs8_pem(OPENSSL_PEM).unwrap()
    }

    fn credential(valid_until: Option<time::OffsetDateTime>) -> Value {
        let issuer = Issuer {
            id: "https://cmq.example.org/issuer".into(),
            name: "中国质量协会".into(),
            url: None,
        };
        let claims = CertificateClaims {
            credential_id: "https://cmq.example.org/verify/CMQ-2026-000001-7".into(),
            certificate_no: "CMQ-2026-000001-7".into(),
            name: "张三".into(),
            name_pinyin: "ZHANG San".into(),
            id_number: "11010519491231002X".into(),
            salt: "5a1t".into(),
            achievement_id: "https://cmq.example.org/achievements/cmq".into(),
            achievement_name: "质量经理职业资格（注册质量经理）".into(),
            achievement_description: "质量经理".into(),
            criteria_narrative: "通过考试".into(),
            valid_from: datetime!(2026-06-30 00:00 +08:00),
            valid_until,
            status: None,
        };
        open_badge_credential(&issuer, &claims)
    }

    fn segment(jwt: &str, n: usize) -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(n).unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn rfc8037_jws_example() {
        // RFC 8037 Appendix A.4 (signing) and A.5 (verification).
        let key = SigningKey::from_pkcs8_pem(RFC8032_TEST1_PEM).unwrap();
        let jws = compact_jws(br#"{"alg":"EdDSA"}"#, b"Example of Ed25519 signing", &key);
        assert_eq!(
            jws,
            "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
        let (_, payload) = verify_compact_jws(&jws, &key.public_jwk("k")).unwrap();
        assert_eq!(payload, b"Example of Ed25519 signing");
    }

    #[test]
    fn header_is_exactly_alg_typ_kid() {
        let jwt = sign_vc_jwt(&credential(None), &key(), KID);
        assert_eq!(jwt.split('.').count(), 3);
        assert_eq!(segment(&jwt, 0), json!({ "alg": "EdDSA", "typ": "vc+jwt", "kid": KID }));
    }

    #[test]
    fn payload_is_the_credential_with_its_jwt_claims() {
        let vc = credential(Some(datetime!(2029-06-30 00:00 +08:00)));
        let payload = segment(&sign_vc_jwt(&vc, &key(), KID), 1);
        assert!(payload.get("vc").is_none(), "VC-JOSE-COSE: no vc claim");
        assert!(payload.get("sub").is_none());
        assert_eq!(payload["iss"], "https://cmq.example.org/issuer");
        assert_eq!(payload["jti"], "https://cmq.example.org/verify/CMQ-2026-000001-7");
        // 2026-06-29T16:00:00Z and 2029-06-29T16:00:00Z.
        assert_eq!(payload["nbf"], 1_782_748_800);
        assert_eq!(payload["iat"], 1_782_748_800);
        assert_eq!(payload["exp"], 1_877_443_200);
        let mut without_claims = payload.as_object().unwrap().clone();
        for claim in ["iss", "jti", "nbf", "iat", "exp"] {
            without_claims.remove(claim);
        }
        assert_eq!(Value::Object(without_claims), vc);
    }

    #[test]
    fn no_exp_without_valid_until() {
        let payload = segment(&sign_vc_jwt(&credential(None), &key(), KID), 1);
        assert!(payload.get("exp").is_none());
    }

    #[test]
    fn signed_then_verified() {
        let key = key();
        let jwt = sign_vc_jwt(&credential(None), &key, KID);
        let payload = verify_vc_jwt(&jwt, &key.public_jwk(KID)).unwrap();
        assert_eq!(payload, segment(&jwt, 1));
        assert_eq!(payload["credentialSubject"]["licenseNumber"], "CMQ-2026-000001-7");
    }

    #[test]
    fn tampered_payload_refused() {
        let key = key();
        let jwt = sign_vc_jwt(&credential(None), &key, KID);
        let mut forged = segment(&jwt, 1);
        forged["credentialSubject"]["identifier"][1]["identityHash"] = json!("李四");
        let parts: Vec<&str> = jwt.split('.').collect();
        let forged_b64 = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let forged_jwt = format!("{}.{forged_b64}.{}", parts[0], parts[2]);
        assert_eq!(
            verify_vc_jwt(&forged_jwt, &key.public_jwk(KID)),
            Err(VerifyError::Signature)
        );

        // One bit of the signature flipped.
        let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        signature[10] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(signature));
        assert_eq!(
            verify_vc_jwt(&flipped, &key.public_jwk(KID)),
            Err(VerifyError::Signature)
        );
    }

    #[test]
    fn another_key_refused() {
        let jwt = sign_vc_jwt(&credential(None), &key(), KID);
        let other = SigningKey::from_pkcs8_pem(RFC8032_TEST1_PEM).unwrap();
        assert_eq!(verify_vc_jwt(&jwt, &other.public_jwk(KID)), Err(VerifyError::Signature));
        assert_eq!(
            verify_vc_jwt(&jwt, &other.public_jwk("https://cmq.example.org/issuer#key-2")),
            Err(VerifyError::KeyMismatch)
        );
    }

    #[test]
    fn claims_that_disagree_with_the_credential_refused() {
        // Signed correctly, but `jti` names another certificate than the credential's `id`.
        let key = key();
        let mut payload = segment(&sign_vc_jwt(&credential(None), &key, KID), 1);
        payload["jti"] = json!("https://cmq.example.org/verify/CMQ-2026-000002-5");
        let header = serde_json::to_vec(&json!({ "alg": "EdDSA", "typ": "vc+jwt", "kid": KID })).unwrap();
        let jwt = compact_jws(&header, &serde_json::to_vec(&payload).unwrap(), &key);
        assert_eq!(
            verify_vc_jwt(&jwt, &key.public_jwk(KID)),
            Err(VerifyError::Claim("jti"))
        );
    }

    #[test]
    fn wrong_algorithm_type_or_key_refused() {
        let key = key();
        let jwk = key.public_jwk(KID);
        // The payload sign_vc_jwt makes, under other headers.
        let payload = serde_json::to_vec(&segment(&sign_vc_jwt(&credential(None), &key, KID), 1)).unwrap();
        let with_header = |header: Value| compact_jws(&serde_json::to_vec(&header).unwrap(), &payload, &key);

        let none = with_header(json!({ "alg": "none", "typ": "vc+jwt" }));
        assert_eq!(verify_vc_jwt(&none, &jwk), Err(VerifyError::Algorithm("none".into())));
        let plain_jwt = with_header(json!({ "alg": "EdDSA", "typ": "JWT" }));
        assert_eq!(
            verify_vc_jwt(&plain_jwt, &jwk),
            Err(VerifyError::Type(Some("JWT".into())))
        );
        // The fully-specified name of RFC 9864 is accepted.
        let ed25519 = with_header(json!({ "alg": "Ed25519", "typ": "vc+jwt" }));
        assert!(verify_vc_jwt(&ed25519, &jwk).is_ok());

        let jwt = sign_vc_jwt(&credential(None), &key, KID);
        let mut rsa = jwk.clone();
        rsa["kty"] = json!("RSA");
        assert_eq!(verify_vc_jwt(&jwt, &rsa), Err(VerifyError::Key("kty is not OKP")));
        let mut short = jwk.clone();
        short["x"] = json!("AAAA");
        assert!(matches!(verify_vc_jwt(&jwt, &short), Err(VerifyError::Key(_))));
        assert!(matches!(verify_vc_jwt("a.b", &jwk), Err(VerifyError::Malformed(_))));
        assert!(matches!(
            verify_vc_jwt(&format!("{jwt}.x"), &jwk),
            Err(VerifyError::Malformed(_))
        ));
    }
}

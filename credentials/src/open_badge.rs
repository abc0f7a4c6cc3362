//! An issued certificate as an Open Badges 3.0 `OpenBadgeCredential` (VC Data Model 2.0).
//!
//! # What the credential says about the holder
//! The holder has no URL or DID of their own, so `credentialSubject` has no `id`; OB 3.0 then
//! requires at least one `identifier` (an `IdentityObject`). There are up to three:
//! - the ID number, `identityType` `nationalIdentityNumber` (OB 3.0's `IdentifierTypeEnum`),
//!   hashed: `identityHash` is `sha256$` and the lower-case hex SHA-256 of the ID number followed
//!   by the salt ([`identity_hash`]), and `salt` is given so a verifier who is shown the holder's
//!   ID card can recompute it;
//! - the name and the name in pinyin, `identityType` `name`, not hashed: a certificate is shown
//!   to employers by name, and the public verification page shows the name anyway.
//!
//! The certificate number is the subject's `licenseNumber` (OB 3.0: "the license number that was
//! issued with this credential").
//!
//! # Two status entries where OB 3.0 has room for one
//! VC 2.0 lets `credentialStatus` be a list, and Bitstring Status List's own example carries a
//! revocation and a suspension entry, as [`StatusEntries`] gives them. OB 3.0's data model has
//! `credentialStatus` 0..1, though, and its JSON Schema (`ob_v3p0_achievementcredential_schema.json`)
//! refuses a list: a verifier that validates against that schema rejects a credential with both
//! entries. Without `status` the credential passes the schema.
//!
//! # What the hash protects, and what it does not
//! The salt is per credential, so two credentials of the same person cannot be linked by their
//! hashes and no precomputed table applies. It does not make the ID number secret from someone who
//! holds the credential: an ID number has few possibilities (a region code, a birth date, a
//! three-digit sequence and a check character), so the hash can be searched exhaustively with the
//! salt in hand, and in seconds if the birth date is known. The hash lets a verifier confirm an ID
//! number they were shown; it does not hide one from a determined holder of the credential.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::datetime::utc_seconds;
use crate::status_list::StatusPurpose;

/// The contexts of an OB 3.0 credential, in the required order: VC 2.0 first, then OB 3.0.
pub const OPEN_BADGE_CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];

/// Who issues the certificates (an OB 3.0 `Profile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// A URL that stays the issuer's for as long as its credentials are checked, e.g.
    /// `https://cmq.example.org/issuer`; it is also the JWT's `iss`.
    pub id: String,
    /// `中国质量协会`.
    pub name: String,
    /// The issuer's home page, if it is to be shown.
    pub url: Option<String>,
}

/// One issued certificate, as the engine stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateClaims {
    /// The credential's `id`: the public verification URL,
    /// `https://<base>/verify/CMQ-2026-000001-7`, so whoever holds the credential can open it.
    pub credential_id: String,
    /// `CMQ-2026-000001-7`, written as the subject's `licenseNumber`.
    pub certificate_no: String,
    /// The holder's name, `张三`.
    pub name: String,
    /// The name in pinyin as on the certificate, `ZHANG San`; left out of the credential if empty.
    pub name_pinyin: String,
    /// The holder's ID number as stored (18 characters, a final X upper case). Only its salted
    /// hash goes into the credential, never the number itself.
    pub id_number: String,
    /// This credential's own random salt for the ID number's hash, given by the caller (hex of 16
    /// random bytes or more): a new one for every credential, so credentials cannot be linked.
    pub salt: String,
    /// The achievement's `id`, the same for every certificate: `https://<base>/achievements/cmq`.
    pub achievement_id: String,
    /// `质量经理职业资格（注册质量经理）`; also the credential's `name`, which wallets list.
    pub achievement_name: String,
    pub achievement_description: String,
    /// What the holder had to do (the achievement's `criteria.narrative`, Markdown allowed).
    pub criteria_narrative: String,
    /// The certification date: `validFrom`, and the JWT's `nbf` and `iat`.
    pub valid_from: OffsetDateTime,
    /// The end of the certificate's validity, if it has one: `validUntil`, and the JWT's `exp`.
    pub valid_until: Option<OffsetDateTime>,
    /// The certificate's entries in the revocation and suspension lists, when lists are kept.
    pub status: Option<StatusEntries>,
}

/// A certificate's place in the two Bitstring Status Lists: the same index in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntries {
    /// The URL of the revocation list's `BitstringStatusListCredential`.
    pub list_url_revocation: String,
    /// The URL of the suspension list's `BitstringStatusListCredential`.
    pub list_url_suspension: String,
    /// The certificate's bit in both lists. The specification asks for indexes assigned at random,
    /// so that an index does not tell when a certificate was issued.
    pub index: u64,
}

/// OB 3.0 `IdentityHash` of an identifier: `sha256$` and the lower-case hex SHA-256 of the UTF-8
/// of `identity` followed by `salt`. The verification page recomputes it from an ID number typed
/// in, with the `salt` read from the credential.
pub fn identity_hash(identity: &str, salt: &str) -> String {
    let digest = Sha256::new().chain_update(identity).chain_update(salt).finalize();
    format!("sha256${}", hex::encode(digest))
}

/// The `OpenBadgeCredential` of a certificate, unsigned (sign it with [`crate::sign_vc_jwt`]).
pub fn open_badge_credential(issuer: &Issuer, claims: &CertificateClaims) -> Value {
    let mut identifiers = vec![json!({
        "type": "IdentityObject",
        "identityType": "nationalIdentityNumber",
        "hashed": true,
        "identityHash": identity_hash(&claims.id_number, &claims.salt),
        "salt": claims.salt,
    })];
    for name in [&claims.name, &claims.name_pinyin] {
        if !name.is_empty() {
            identifiers.push(json!({
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": false,
                "identityHash": name,
            }));
        }
    }

    let mut credential = json!({
        "@context": OPEN_BADGE_CONTEXTS,
        "id": claims.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": profile(issuer),
        "name": claims.achievement_name,
        "validFrom": utc_seconds(claims.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": identifiers,
            "licenseNumber": claims.certificate_no,
            "achievement": {
                "id": claims.achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": claims.achievement_name,
                "description": claims.achievement_description,
                "criteria": { "narrative": claims.criteria_narrative },
            },
        },
    });
    let fields = credential.as_object_mut().expect("built as an object");
    if let Some(until) = claims.valid_until {
        fields.insert("validUntil".into(), utc_seconds(until).into());
    }
    if let Some(status) = &claims.status {
        let entries = [
            (StatusPurpose::Revocation, &status.list_url_revocation),
            (StatusPurpose::Suspension, &status.list_url_suspension),
        ]
        .map(|(purpose, list_url)| status_entry(purpose, list_url, status.index));
        fields.insert("credentialStatus".into(), Value::Array(entries.into()));
    }
    credential
}

fn profile(issuer: &Issuer) -> Value {
    let mut profile = Map::new();
    profile.insert("id".into(), issuer.id.clone().into());
    profile.insert("type".into(), json!(["Profile"]));
    profile.insert("name".into(), issuer.name.clone().into());
    if let Some(url) = &issuer.url {
        profile.insert("url".into(), url.clone().into());
    }
    Value::Object(profile)
}

/// A `BitstringStatusListEntry`. Its optional `id` is the list's URL with the index as fragment,
/// as in the specification's examples (it must not be the list's own URL).
fn status_entry(purpose: StatusPurpose, list_url: &str, index: u64) -> Value {
    json!({
        "id": format!("{list_url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose.as_str(),
        // "an arbitrary size integer … expressed as a string in base 10"
        "statusListIndex": index.to_string(),
        "statusListCredential": list_url,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn issuer() -> Issuer {
        Issuer {
            id: "https://cmq.example.org/issuer".into(),
            name: "中国质量协会".into(),
            url: Some("https://www.caq.org.cn".into()),
        }
    }

    fn claims() -> CertificateClaims {
        CertificateClaims {
            credential_id: "https://cmq.example.org/verify/CMQ-2026-000001-7".into(),
            certificate_no: "CMQ-2026-000001-7".into(),
            name: "张三".into(),
            name_pinyin: "ZHANG San".into(),
            id_number: "11010519491231002X".into(),
            salt: "9f3c1a7e5b2d4c6a8e0f1b3d5c7a9e2f".into(),
            achievement_id: "https://cmq.example.org/achievements/cmq".into(),
            achievement_name: "质量经理职业资格（注册质量经理）".into(),
            achievement_description: "中国质量协会质量经理职业资格".into(),
            criteria_narrative: "通过质量经理职业资格考试并满足学历与工作年限要求。".into(),
            valid_from: datetime!(2026-06-30 00:00 +08:00),
            valid_until: None,
            status: None,
        }
    }

    #[test]
    fn identity_hash_matches_the_open_badges_example() {
        // OB 3.0 `IdentityHash`: the email 'a@example.com' salted with 'Kosher'.
        assert_eq!(
            identity_hash("a@example.com", "Kosher"),
            "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
        );
    }

    #[test]
    fn credential_has_the_open_badges_shape() {
        let vc = open_badge_credential(&issuer(), &claims());
        assert_eq!(vc["@context"], json!(OPEN_BADGE_CONTEXTS));
        assert_eq!(vc["id"], "https://cmq.example.org/verify/CMQ-2026-000001-7");
        assert_eq!(vc["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
        assert_eq!(
            vc["issuer"],
            json!({
                "id": "https://cmq.example.org/issuer",
                "type": ["Profile"],
                "name": "中国质量协会",
                "url": "https://www.caq.org.cn",
            })
        );
        assert_eq!(vc["name"], "质量经理职业资格（注册质量经理）");
        assert_eq!(vc["validFrom"], "2026-06-29T16:00:00Z");
        let subject = &vc["credentialSubject"];
        assert_eq!(subject["type"], json!(["AchievementSubject"]));
        assert!(subject.get("id").is_none(), "the holder has no id of their own");
        assert_eq!(subject["licenseNumber"], "CMQ-2026-000001-7");
        let achievement = &subject["achievement"];
        assert_eq!(achievement["id"], "https://cmq.example.org/achievements/cmq");
        assert_eq!(achievement["type"], json!(["Achievement"]));
        assert_eq!(achievement["achievementType"], "Certification");
        assert_eq!(achievement["name"], "质量经理职业资格（注册质量经理）");
        assert_eq!(achievement["description"], "中国质量协会质量经理职业资格");
        assert_eq!(
            achievement["criteria"],
            json!({ "narrative": "通过质量经理职业资格考试并满足学历与工作年限要求。" })
        );
    }

    #[test]
    fn id_number_only_hashed_with_its_salt() {
        let claims = claims();
        let vc = open_badge_credential(&issuer(), &claims);
        let identifiers = vc["credentialSubject"]["identifier"].as_array().unwrap();
        let id = &identifiers[0];
        assert_eq!(id["type"], "IdentityObject");
        assert_eq!(id["identityType"], "nationalIdentityNumber");
        assert_eq!(id["hashed"], true);
        assert_eq!(id["salt"], claims.salt.as_str());
        let expected = Sha256::digest(format!("{}{}", claims.id_number, claims.salt));
        assert_eq!(id["identityHash"], format!("sha256${}", hex::encode(expected)));

        let names: Vec<_> = identifiers[1..]
            .iter()
            .map(|i| (&i["identityType"], &i["hashed"], &i["identityHash"]))
            .collect();
        assert_eq!(
            names,
            [
                (&json!("name"), &json!(false), &json!("张三")),
                (&json!("name"), &json!(false), &json!("ZHANG San"))
            ]
        );

        // Nowhere in the serialized credential, whole or in part, upper or lower case.
        let text = serde_json::to_string(&vc).unwrap();
        for needle in [
            &claims.id_number,
            &claims.id_number.to_lowercase(),
            &claims.id_number[..17],
            &claims.id_number[6..14],
        ] {
            assert!(!text.contains(needle), "{needle} found in {text}");
        }
    }

    #[test]
    fn a_different_salt_gives_an_unlinkable_hash() {
        let first = open_badge_credential(&issuer(), &claims());
        let second = open_badge_credential(
            &issuer(),
            &CertificateClaims {
                salt: "00".into(),
                ..claims()
            },
        );
        let hash = |vc: &Value| vc["credentialSubject"]["identifier"][0]["identityHash"].clone();
        assert_ne!(hash(&first), hash(&second));
    }

    #[test]
    fn valid_until_and_url_only_when_given() {
        let vc = open_badge_credential(&Issuer { url: None, ..issuer() }, &claims());
        assert!(vc.get("validUntil").is_none());
        assert!(vc["issuer"].get("url").is_none());
        assert!(vc.get("credentialStatus").is_none());

        let until = CertificateClaims {
            valid_until: Some(datetime!(2029-06-30 00:00 +08:00)),
            ..claims()
        };
        let vc = open_badge_credential(&issuer(), &until);
        assert_eq!(vc["validUntil"], "2029-06-29T16:00:00Z");
    }

    #[test]
    fn empty_pinyin_left_out() {
        let vc = open_badge_credential(
            &issuer(),
            &CertificateClaims {
                name_pinyin: String::new(),
                ..claims()
            },
        );
        let identifiers = vc["credentialSubject"]["identifier"].as_array().unwrap();
        assert_eq!(identifiers.len(), 2);
        assert_eq!(identifiers[1]["identityHash"], "张三");
    }

    #[test]
    fn status_entries_for_revocation_and_suspension() {
        let status = StatusEntries {
            list_url_revocation: "https://cmq.example.org/status/revocation/1".into(),
            list_url_suspension: "https://cmq.example.org/status/suspension/1".into(),
            index: 94_567,
        };
        let vc = open_badge_credential(
            &issuer(),
            &CertificateClaims {
                status: Some(status),
                ..claims()
            },
        );
        assert_eq!(
            vc["credentialStatus"],
            json!([
                {
                    "id": "https://cmq.example.org/status/revocation/1#94567",
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListIndex": "94567",
                    "statusListCredential": "https://cmq.example.org/status/revocation/1",
                },
                {
                    "id": "https://cmq.example.org/status/suspension/1#94567",
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "suspension",
                    "statusListIndex": "94567",
                    "statusListCredential": "https://cmq.example.org/status/suspension/1",
                },
            ])
        );
    }
}

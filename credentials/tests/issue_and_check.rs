//! The engine's use of the crate, through its public API only: issue a certificate's credential
//! with status entries, publish the two status lists, and check the credential as a verifier
//! would — signature, then its bit in each list.

use credentials::{
    CertificateClaims, Issuer, SigningKey, StatusEntries, StatusPurpose, decode_status_list, encode_status_list,
    open_badge_credential, sign_vc_jwt, status_bit, status_list_credential, verify_vc_jwt,
};
use serde_json::Value;
use time::macros::datetime;

fn issuer() -> Issuer {
    Issuer {
        id: "https://cmq.example.org/issuer".into(),
        name: "中国质量协会".into(),
        url: None,
    }
}

/// The status of the credential `jwt` as a verifier finds it from the signed lists `lists`.
fn suspended_or_revoked(jwt: &str, jwk: &Value, lists: &[(String, String)]) -> Vec<(String, bool)> {
    let credential = verify_vc_jwt(jwt, jwk).expect("the credential's signature verifies");
    let entries = credential["credentialStatus"].as_array().expect("status entries");
    entries
        .iter()
        .map(|entry| {
            let url = entry["statusListCredential"].as_str().unwrap();
            let (_, list_jwt) = lists
                .iter()
                .find(|(list_url, _)| list_url == url)
                .expect("list published");
            let list = verify_vc_jwt(list_jwt, jwk).expect("the list's signature verifies");
            assert_eq!(list["credentialSubject"]["statusPurpose"], entry["statusPurpose"]);
            let bitstring = decode_status_list(list["credentialSubject"]["encodedList"].as_str().unwrap()).unwrap();
            let index: u64 = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
            let set = status_bit(&bitstring, index).expect("index within the list");
            (entry["statusPurpose"].as_str().unwrap().to_string(), set)
        })
        .collect()
}

#[test]
fn issued_credential_checked_against_its_status_lists() {
    let key = SigningKey::generate();
    let kid = format!("https://cmq.example.org/issuer#{}", key.jwk_thumbprint());
    let jwk = key.public_jwk(&kid);
    let revocation_url = "https://cmq.example.org/status/revocation/1".to_string();
    let suspension_url = "https://cmq.example.org/status/suspension/1".to_string();

    let claims = CertificateClaims {
        credential_id: "https://cmq.example.org/verify/CMQ-2026-000001-7".into(),
        certificate_no: "CMQ-2026-000001-7".into(),
        name: "张三".into(),
        name_pinyin: "ZHANG San".into(),
        id_number: "11010519491231002X".into(),
        salt: "c0ffee00c0ffee00c0ffee00c0ffee00".into(),
        achievement_id: "https://cmq.example.org/achievements/cmq".into(),
        achievement_name: "质量经理职业资格（注册质量经理）".into(),
        achievement_description: "中国质量协会质量经理职业资格".into(),
        criteria_narrative: "通过考试。".into(),
        valid_from: datetime!(2026-06-30 00:00 +08:00),
        valid_until: Some(datetime!(2029-06-30 00:00 +08:00)),
        status: Some(StatusEntries {
            list_url_revocation: revocation_url.clone(),
            list_url_suspension: suspension_url.clone(),
            index: 40_961,
        }),
    };
    let jwt = sign_vc_jwt(&open_badge_credential(&issuer(), &claims), &key, &kid);

    let publish = |suspended: &[u64]| {
        let at = datetime!(2026-07-01 00:00 UTC);
        let list = |url: &String, purpose, set: &[u64]| {
            let encoded = encode_status_list(set, 0).unwrap();
            (
                url.clone(),
                sign_vc_jwt(
                    &status_list_credential(&issuer(), url, purpose, &encoded, at),
                    &key,
                    &kid,
                ),
            )
        };
        vec![
            list(&revocation_url, StatusPurpose::Revocation, &[7, 40_960]),
            list(&suspension_url, StatusPurpose::Suspension, suspended),
        ]
    };

    let fine = suspended_or_revoked(&jwt, &jwk, &publish(&[40_962]));
    assert_eq!(
        fine,
        [("revocation".to_string(), false), ("suspension".to_string(), false)]
    );
    let suspended = suspended_or_revoked(&jwt, &jwk, &publish(&[40_961]));
    assert_eq!(
        suspended,
        [("revocation".to_string(), false), ("suspension".to_string(), true)]
    );
}

//! Certificates as verifiable credentials, with no IO, no database and no clock: the engine gives
//! an issued certificate's facts, a signing key and the status lists' contents; this crate returns
//! JSON and strings, each a pure function of its input, tested without a server.
//!
//! # Standards followed
//! - [Open Badges 3.0](https://www.imsglobal.org/spec/ob/v3p0/) (1EdTech): the certificate is an
//!   `OpenBadgeCredential` whose achievement is the CMQ certification (`achievementType`
//!   `Certification`). The holder is named by `identifier` entries (OB 3.0 `IdentityObject`s);
//!   the ID number only as a salted SHA-256 `IdentityHash`, never in clear.
//! - [Verifiable Credentials Data Model 2.0](https://www.w3.org/TR/vc-data-model-2.0/) (W3C):
//!   the credential's shape (`@context`, `validFrom`, `validUntil`, `credentialStatus`).
//! - [Securing Verifiable Credentials using JOSE and COSE](https://www.w3.org/TR/vc-jose-cose/)
//!   (W3C, "VC-JOSE-COSE") with OB 3.0's [JSON Web Token Proof Format](https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof):
//!   the credential is the claims set of a compact JWS signed with Ed25519 (`alg` `EdDSA`,
//!   [RFC 8037](https://www.rfc-editor.org/rfc/rfc8037)), `typ` `vc+jwt`. [`vc_jwt`] says which JWT
//!   claims are added and why, and where the two specifications disagree.
//! - [Bitstring Status List v1.0](https://www.w3.org/TR/vc-bitstring-status-list/) (W3C): one
//!   list for revocation and one for suspension; a certificate carries an index into both.
//!
//! # Layout
//! - [`open_badge`]: the issuer, a certificate's claims and the `OpenBadgeCredential` built from
//!   them; the holder's ID number hashed ([`identity_hash`]).
//! - [`key`]: the issuer's Ed25519 signing key, read from and written as PKCS#8 PEM (as
//!   `openssl genpkey -algorithm ed25519` writes it), and its public JWK.
//! - [`vc_jwt`]: signing a credential as a VC-JWT and verifying one.
//! - [`status_list`]: a Bitstring Status List's `encodedList`, read back, and the
//!   `BitstringStatusListCredential` that publishes it.
#![forbid(unsafe_code)]

mod datetime;
pub mod key;
pub mod open_badge;
pub mod status_list;
pub mod vc_jwt;

pub use key::{KeyError, SigningKey};
pub use open_badge::{CertificateClaims, Issuer, StatusEntries, identity_hash, open_badge_credential};
pub use status_list::{
    MIN_STATUS_LIST_LENGTH, StatusListError, StatusPurpose, decode_status_list, encode_status_list, status_bit,
    status_list_credential,
};
pub use vc_jwt::{VerifyError, sign_vc_jwt, verify_vc_jwt};

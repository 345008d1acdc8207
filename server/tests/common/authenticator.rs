//! A software authenticator (1Password's `passkey` crate) holding one passkey, behind a WebAuthn
//! client at the test relying party's origin: it answers the server's real ceremony options the
//! way a browser and a phone would, and tests can turn its user verification off or wind its
//! signature counter back.

use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::rust_crypto::RustCryptoBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use serde_json::Value;

use super::ORIGIN;

/// The person at the authenticator: always present, verified only while `verified`.
struct Person {
    verified: bool,
}

#[async_trait::async_trait]
impl UserValidationMethod for Person {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck { presence, verification: verification && self.verified })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }
}

/// One device with (at most) one passkey, in a browser showing pages of `origin`.
pub struct Device {
    passkey: Option<Passkey>,
    origin: url::Url,
    /// Whether the person passes user verification (fingerprint, PIN).
    pub verified: bool,
}

impl Default for Device {
    fn default() -> Self {
        Device::at(ORIGIN)
    }
}

impl Device {
    /// A device with no passkey yet, at the test servers' origin.
    pub fn new() -> Self {
        Self::default()
    }

    /// A device with no passkey yet, in a browser showing pages of `origin`.
    pub fn at(origin: &str) -> Self {
        Device { passkey: None, origin: url::Url::parse(origin).expect("an origin"), verified: true }
    }

    /// A copy of this device (its passkey too): a cloned authenticator.
    pub fn clone_device(&self) -> Device {
        Device { passkey: self.passkey.clone(), origin: self.origin.clone(), verified: self.verified }
    }

    fn authenticator(&mut self) -> Authenticator<Option<Passkey>, Person, RustCryptoBackend> {
        let person = Person { verified: self.verified };
        let mut authenticator =
            Authenticator::new(Aaguid::new_empty(), self.passkey.take(), person, RustCryptoBackend);
        authenticator.set_make_credentials_with_signature_counter(true);
        authenticator
    }

    /// Creates a passkey for the options of a `.../register/start` or `.../signup/start` answer
    /// (`options` is its `options` field); the answer to send, as `PublicKeyCredential.toJSON()`.
    pub async fn create(&mut self, options: &Value) -> Value {
        let request: CredentialCreationOptions =
            serde_json::from_value(options.clone()).expect("creation options");
        let origin = self.origin.clone();
        let mut client = Client::new(self.authenticator()).allows_insecure_localhost(true);
        let created = client.register(&origin, request, DefaultClientData).await;
        self.passkey = client.authenticator().store().clone();
        serde_json::to_value(created.expect("the authenticator created a passkey")).unwrap()
    }

    /// Answers the options of a `.../signin/start` or `.../reauth/start` answer with this device's
    /// passkey.
    pub async fn get(&mut self, options: &Value) -> Value {
        self.try_get(options).await.expect("the authenticator answered")
    }

    /// As [`Device::get`], or the authenticator's refusal.
    pub async fn try_get(&mut self, options: &Value) -> Result<Value, String> {
        let request: CredentialRequestOptions =
            serde_json::from_value(options.clone()).expect("request options");
        let origin = self.origin.clone();
        let mut client = Client::new(self.authenticator()).allows_insecure_localhost(true);
        let answer = client.authenticate(&origin, request, DefaultClientData).await;
        self.passkey = client.authenticator().store().clone();
        answer.map(|answer| serde_json::to_value(answer).unwrap()).map_err(|err| format!("{err:?}"))
    }

    /// The signature counter the next answer will exceed by one.
    pub fn counter(&self) -> u32 {
        self.passkey.as_ref().and_then(|passkey| passkey.counter).unwrap_or(0)
    }

    /// Winds the signature counter to `value` (a clone left behind shows an old counter).
    pub fn set_counter(&mut self, value: u32) {
        if let Some(passkey) = self.passkey.as_mut() {
            passkey.counter = Some(value);
        }
    }
}

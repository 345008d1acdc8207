//! The two-factor policy, apart from the two-factor service so the state can hold it.

/// The two-factor policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MfaSettings {
    /// `REQUIRE_2FA_FOR_ADMINS`: admins without two-factor sign-in may use no admin power until
    /// they set it up.
    pub require_for_admins: bool,
}

/// The WebAuthn relying party: who passkeys are created for, and which origins may use them.
#[derive(Clone)]
pub struct RelyingParty {
    /// webauthn-rs, configured once.
    pub webauthn: std::sync::Arc<webauthn_rs::Webauthn>,
    /// `WEBAUTHN_RP_ID`: the domain passkeys are bound to.
    pub id: String,
}

impl std::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelyingParty").field("id", &self.id).finish_non_exhaustive()
    }
}

impl RelyingParty {
    /// The relying party `id` (a domain, never an IP address: browsers refuse those) for the
    /// `origins` pages are served from (the first one is the main one).
    ///
    /// # Errors
    /// A sentence naming the setting that is wrong: an empty or IP-address id, an origin that is not
    /// `http(s)://host[:port]`, or one whose host is not the id or below it.
    pub fn new(id: &str, origins: &[String]) -> Result<Self, String> {
        let id = id.trim().to_ascii_lowercase();
        if id.is_empty() || id.parse::<std::net::IpAddr>().is_ok() || id.contains(['/', ':']) {
            return Err(format!(
                "WEBAUTHN_RP_ID must be a domain such as `localhost` or `auth.example.com`, not `{id}` (WebAuthn refuses IP addresses)"
            ));
        }
        let mut parsed = Vec::new();
        for origin in origins {
            let url = webauthn_rs::prelude::Url::parse(origin.trim())
                .map_err(|err| format!("WEBAUTHN_ORIGINS: `{origin}` is not an origin: {err}"))?;
            let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
            let under_id = host == id || host.ends_with(&format!(".{id}"));
            if !matches!(url.scheme(), "http" | "https") || !under_id {
                return Err(format!(
                    "WEBAUTHN_ORIGINS: `{origin}` must be http(s)://host[:port] with `{id}` or a subdomain of it as its host"
                ));
            }
            parsed.push(url);
        }
        let Some((first, rest)) = parsed.split_first() else {
            return Err("WEBAUTHN_ORIGINS names no origin".to_owned());
        };
        let mut builder = webauthn_rs::WebauthnBuilder::new(&id, first)
            .map_err(|err| format!("WEBAUTHN_RP_ID / WEBAUTHN_ORIGINS are not usable together: {err}"))?
            .rp_name("Rust Auth")
            // Development and the browser suite run on http://localhost: a secure context.
            .allow_any_port(false);
        for origin in rest {
            builder = builder.append_allowed_origin(origin);
        }
        let webauthn =
            builder.build().map_err(|err| format!("the WebAuthn settings are not usable: {err}"))?;
        Ok(RelyingParty { webauthn: std::sync::Arc::new(webauthn), id })
    }
}

//! Mail that is never lost: a mail is a row in the `outbox` table, written in the same transaction
//! as the change that causes it, and sent by a background worker ([`worker`]) that retries with
//! backoff. A slow or unreachable mail server therefore never slows or fails a request, and a
//! restart loses nothing. Logs name the recipient's account id, never the address or a link.
//!
//! A mail's body holds a working link until it is used, so it waits in the outbox sealed under the
//! server key, and is deleted once sent (or given up): a copy of the database yields no link.

pub mod templates;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use sqlx::PgExecutor;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::error::{AppError, Result};
use crate::ssr::secrets::ServerKey;

/// What the mailer is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `SMTP_URL`: `smtp://[user:password@]host[:port]` (STARTTLS; plain only to a loopback host or
    /// with `?tls=none`) or `smtps://...` (TLS from the start). `None`: mails wait in the outbox.
    pub smtp_url: Option<String>,
    /// `MAIL_FROM`: the sender, `Name <address>`.
    pub from: String,
    /// `PUBLIC_URL`: the app's address as its users reach it, for the links in mails.
    pub public_url: String,
    /// How long the first retry waits; each later one waits twice as long (at most an hour).
    pub retry_base: Duration,
}

/// One mail: a plain-text and an HTML part of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Which mail it is (`password_reset`, `security_notice`, ...), kept after the body is gone.
    pub template: &'static str,
    /// The address it goes to.
    pub to: String,
    /// Its subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Writes mails to the outbox and wakes the worker; built once at start-up.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    public_url: Arc<str>,
    retry_base: Duration,
    wake: Arc<Notify>,
    key: ServerKey,
}

/// The two parts of a body, as they are sealed together.
#[derive(serde::Serialize, serde::Deserialize)]
struct Body {
    text: String,
    html: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("smtp", &self.transport.is_some()).field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `settings`.
    ///
    /// # Errors
    /// A sentence naming the setting that is wrong (`SMTP_URL`, `MAIL_FROM`, `PUBLIC_URL`).
    pub fn new(settings: &MailSettings, key: ServerKey) -> Result<Self, String> {
        let transport = match &settings.smtp_url {
            Some(url) => Some(transport(url)?),
            None => None,
        };
        let from = settings
            .from
            .parse::<Mailbox>()
            .map_err(|err| format!("MAIL_FROM `{}` is not an address: {err}", settings.from))?;
        let public_url = settings.public_url.trim_end_matches('/');
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(format!("PUBLIC_URL must start with http:// or https:// (got `{public_url}`)"));
        }
        Ok(Mailer {
            transport,
            from,
            public_url: public_url.into(),
            retry_base: settings.retry_base,
            wake: Arc::new(Notify::new()),
            key,
        })
    }

    /// Whether mails leave at all (an SMTP server is configured).
    pub fn delivers(&self) -> bool {
        self.transport.is_some()
    }

    /// The absolute address of `path` (`/reset-password?token=...`) in the app.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Writes `mail` to the outbox, in the caller's transaction. Call [`Mailer::wake`] once that
    /// transaction has committed.
    ///
    /// # Errors
    /// `Internal` when the database fails.
    pub async fn enqueue(
        &self,
        executor: impl PgExecutor<'_>,
        user: Option<Uuid>,
        mail: &Mail,
    ) -> Result<()> {
        let body = serde_json::to_vec(&Body { text: mail.text.clone(), html: mail.html.clone() })
            .map_err(|_| AppError::Internal)?;
        let (sealed, nonce) = self.key.seal(&body)?;
        sqlx::query!(
            r#"
            insert into outbox (user_id, recipient, subject, template, sealed_body, sealed_nonce)
            values ($1, $2, $3, $4, $5, $6)
            "#,
            user,
            mail.to,
            mail.subject,
            mail.template,
            sealed,
            nonce,
        )
        .execute(executor)
        .await?;
        Ok(())
    }

    /// The plain-text and HTML parts of a mail as the outbox keeps them: sealed, or (mails queued
    /// before bodies were sealed) plain.
    fn open_body(
        &self,
        sealed: Option<(&[u8], &[u8])>,
        plain: (Option<&str>, Option<&str>),
    ) -> Result<(String, String)> {
        match sealed {
            Some((sealed, nonce)) => {
                let body: Body =
                    serde_json::from_slice(&self.key.open(sealed, nonce)?).map_err(|_| AppError::Internal)?;
                Ok((body.text, body.html))
            }
            None => Ok((plain.0.unwrap_or_default().to_owned(), plain.1.unwrap_or_default().to_owned())),
        }
    }

    /// Tells the worker there is mail to send now, rather than at its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The SMTP transport for `url`: STARTTLS unless the host is loopback (where nothing crosses a
/// network) or the URL says `?tls=none`; `smtps://` is TLS from the first byte.
fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let bad = |why: &str| {
        format!(
            "SMTP_URL is not usable: {why} (expected smtp://host:port or smtps://user:password@host:port)"
        )
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "::1");
    let lettre_url = match (scheme, url.contains("tls=")) {
        ("smtps", _) => url.to_owned(),
        ("smtp", true) => {
            url.replace("tls=none", "").replace("?&", "?").trim_end_matches(['?', '&']).to_owned()
        }
        ("smtp", false) if loopback => url.to_owned(),
        ("smtp", false) => format!("{url}{}tls=required", if url.contains('?') { '&' } else { '?' }),
        _ => return Err(bad("the scheme must be smtp or smtps")),
    };
    AsyncSmtpTransport::<Tokio1Executor>::from_url(&lettre_url)
        .map(|builder| builder.timeout(Some(Duration::from_secs(20))).build())
        .map_err(|err| bad(&err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ServerKey {
        ServerKey::new(&[5; 32]).unwrap()
    }

    fn settings(smtp: Option<&str>) -> MailSettings {
        MailSettings {
            smtp_url: smtp.map(str::to_owned),
            from: "Rust Auth <no-reply@example.com>".into(),
            public_url: "https://auth.example.com/".into(),
            retry_base: Duration::from_secs(5),
        }
    }

    #[test]
    fn links_use_the_public_address() {
        let mailer = Mailer::new(&settings(None), key()).unwrap();
        assert_eq!(
            mailer.link("/reset-password?token=abc"),
            "https://auth.example.com/reset-password?token=abc"
        );
        assert!(!mailer.delivers());
    }

    #[tokio::test]
    async fn smtp_urls_are_checked() {
        for url in [
            "smtp://127.0.0.1:1025",
            "smtp://mail.example.com:587",
            "smtps://user:secret@mail.example.com",
            "smtp://relay.internal:25?tls=none",
        ] {
            assert!(Mailer::new(&settings(Some(url)), key()).is_ok(), "{url}");
        }
        for url in ["mail.example.com", "http://mail.example.com"] {
            assert!(Mailer::new(&settings(Some(url)), key()).is_err(), "{url}");
        }
        let mut bad_from = settings(None);
        bad_from.from = "not an address".into();
        assert!(Mailer::new(&bad_from, key()).unwrap_err().contains("MAIL_FROM"));
    }
}

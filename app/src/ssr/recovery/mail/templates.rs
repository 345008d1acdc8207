//! The mails the app sends, each as plain text and HTML. Every value put into the HTML part is
//! escaped: a name is whatever its owner typed.

use std::time::Duration;

use super::Mail;

/// What a mail says, in words: the greeting's name, then paragraphs, an optional button, and a
/// closing line.
struct Content<'a> {
    template: &'static str,
    to: &'a str,
    subject: &'a str,
    name: &'a str,
    paragraphs: Vec<String>,
    action: Option<(&'a str, &'a str)>,
    closing: &'a str,
}

impl Content<'_> {
    fn render(self) -> Mail {
        let mut text = format!("Hello {},\n\n", self.name);
        let mut html = format!(
            "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a\">\
             <p>Hello {},</p>",
            escape(self.name)
        );
        for paragraph in &self.paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(paragraph)));
        }
        if let Some((label, link)) = self.action {
            text.push_str(&format!("{label}:\n{link}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{link}\" style=\"display:inline-block;padding:10px 18px;background:#2457d6;\
                 color:#fff;border-radius:6px;text-decoration:none\">{label}</a></p>\
                 <p style=\"font-size:90%;color:#555\">Or copy this address into your browser:<br>{link}</p>",
                link = escape(link),
                label = escape(label),
            ));
        }
        text.push_str(self.closing);
        text.push_str("\n\n— Rust Auth\n");
        html.push_str(&format!("<p>{}</p><p>— Rust Auth</p></body></html>", escape(self.closing)));
        Mail { template: self.template, to: self.to.to_owned(), subject: self.subject.to_owned(), text, html }
    }
}

/// "30 minutes", "1 hour", "2 days".
fn span(duration: Duration) -> String {
    let minutes = duration.as_secs().div_ceil(60).max(1);
    let (count, unit) = match minutes {
        m if m % (24 * 60) == 0 => (m / (24 * 60), "day"),
        m if m % 60 == 0 => (m / 60, "hour"),
        m => (m, "minute"),
    };
    format!("{count} {unit}{}", if count == 1 { "" } else { "s" })
}

/// The link that sets a new password.
pub fn password_reset(to: &str, name: &str, link: &str, valid_for: Duration) -> Mail {
    Content {
        template: "password_reset",
        to,
        subject: "Reset your Rust Auth password",
        name,
        paragraphs: vec![
            "Someone, hopefully you, asked to reset the password of your Rust Auth account.".into(),
            format!("The link below works once, for {}. Using it signs you out everywhere.", span(valid_for)),
        ],
        action: Some(("Choose a new password", link)),
        closing: "If you did not ask for this, ignore this mail: your password stays as it is.",
    }
    .render()
}

/// The link that proves an address is the account owner's (at sign-up, or when asked again).
pub fn verify_email(to: &str, name: &str, link: &str, valid_for: Duration) -> Mail {
    Content {
        template: "verify_email",
        to,
        subject: "Confirm your email address for Rust Auth",
        name,
        paragraphs: vec![
            "Please confirm that this address belongs to your Rust Auth account.".into(),
            format!("The link below works once, for {}.", span(valid_for)),
        ],
        action: Some(("Confirm my address", link)),
        closing: "If you did not create an account, ignore this mail.",
    }
    .render()
}

/// The link that moves an account to a new address, sent to that new address.
pub fn confirm_new_email(to: &str, name: &str, link: &str, valid_for: Duration) -> Mail {
    Content {
        template: "confirm_new_email",
        to,
        subject: "Confirm your new email address for Rust Auth",
        name,
        paragraphs: vec![
            "You asked to use this address for your Rust Auth account. It takes effect once you confirm it."
                .into(),
            format!("The link below works once, for {}.", span(valid_for)),
        ],
        action: Some(("Use this address", link)),
        closing: "If you did not ask for this, ignore this mail: nothing changes.",
    }
    .render()
}

/// The notice to the old address that a change was asked for.
pub fn email_change_notice(to: &str, name: &str, new_email: &str) -> Mail {
    Content {
        template: "email_change_notice",
        to,
        subject: "Your Rust Auth email address is about to change",
        name,
        paragraphs: vec![
            format!(
                "Someone signed in to your Rust Auth account asked to change its address to {new_email}."
            ),
            "The change happens only once the new address is confirmed.".into(),
        ],
        action: None,
        closing: "If this was not you, change your password now and sign out everywhere from your profile.",
    }
    .render()
}

/// The notice to the owner of an address another account asked to move to: nothing changes, and
/// the asker is told nothing either way (an answer would tell them the address is taken).
pub fn address_in_use_notice(to: &str, name: &str) -> Mail {
    Content {
        template: "address_in_use_notice",
        to,
        subject: "Someone tried to use your address for another Rust Auth account",
        name,
        paragraphs: vec![
            "Someone signed in to another Rust Auth account asked to move that account to this address."
                .into(),
            "This address stays with your account: nothing was changed, and no link was sent.".into(),
        ],
        action: None,
        closing: "If that was you, sign in to the account that already uses this address instead.",
    }
    .render()
}

/// Where a change came from, as a notice tells it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// When, as seconds since the epoch.
    pub at: i64,
    /// The browser or client, as it described itself.
    pub device: Option<&'a str>,
    /// The client's address.
    pub address: Option<std::net::IpAddr>,
}

/// A security notice: something changed (or was used) on the account. Says what, when and from
/// where, and what to do if it was not the owner.
pub fn security_notice(to: &str, name: &str, subject: &str, what: &str, origin: Origin<'_>) -> Mail {
    let when = chrono::DateTime::from_timestamp(origin.at, 0)
        .map_or_else(|| "just now".to_owned(), |at| at.format("%A %-d %B %Y, %H:%M UTC").to_string());
    let device = origin.device.unwrap_or("an unnamed browser or client");
    let from = match origin.address {
        Some(address) => format!("From: {device}, at the address {address}."),
        None => format!("From: {device}."),
    };
    Content {
        template: "security_notice",
        to,
        subject,
        name,
        paragraphs: vec![what.to_owned(), format!("When: {when}."), from],
        action: None,
        closing: "If this was you, there is nothing to do. If it was not, someone else can get into your \
                  account: choose a new password now with \"Forgot your password?\" on the sign-in page, \
                  which signs out every device, then check your two-factor sign-in on your profile.",
    }
    .render()
}

/// Minimal HTML escaping for text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_link_and_html_is_escaped() {
        let mail = password_reset(
            "a@example.com",
            "<b>Eve</b>",
            "https://x/reset?token=1&a=b",
            Duration::from_secs(1800),
        );
        assert!(mail.text.contains("Hello <b>Eve</b>,") && mail.text.contains("https://x/reset?token=1&a=b"));
        assert!(mail.text.contains("30 minutes"));
        assert!(mail.html.contains("Hello &lt;b&gt;Eve&lt;/b&gt;,"));
        assert!(mail.html.contains("href=\"https://x/reset?token=1&amp;a=b\""));
        assert!(!mail.html.contains("<b>Eve"));
    }

    #[test]
    fn notices_say_what_when_and_where() {
        let origin = Origin {
            at: 1_796_000_000,
            device: Some("Firefox <script>"),
            address: "203.0.113.9".parse().ok(),
        };
        let mail = security_notice(
            "a@example.com",
            "Ann",
            "Your password was changed",
            "Your password was changed.",
            origin,
        );
        assert_eq!(mail.template, "security_notice");
        assert!(mail.text.contains("Your password was changed.") && mail.text.contains("UTC"));
        assert!(mail.text.contains("Firefox <script>") && mail.text.contains("203.0.113.9"));
        assert!(mail.html.contains("Firefox &lt;script&gt;"));
        assert!(mail.text.contains("Forgot your password?"));
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(Duration::from_secs(1800)), "30 minutes");
        assert_eq!(span(Duration::from_secs(3600)), "1 hour");
        assert_eq!(span(Duration::from_secs(2 * 86_400)), "2 days");
        assert_eq!(span(Duration::from_secs(59)), "1 minute");
    }
}

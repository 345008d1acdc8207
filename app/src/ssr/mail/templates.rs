//! The mails the app sends, each as plain text and HTML. Every value put into the HTML part is
//! escaped: a name is whatever its owner typed.

use std::time::Duration;

use super::Mail;

/// What a mail says, in words: the greeting's name, then paragraphs, an optional button, and a
/// closing line.
struct Content<'a> {
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
        Mail { to: self.to.to_owned(), subject: self.subject.to_owned(), text, html }
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
    fn spans_read_naturally() {
        assert_eq!(span(Duration::from_secs(1800)), "30 minutes");
        assert_eq!(span(Duration::from_secs(3600)), "1 hour");
        assert_eq!(span(Duration::from_secs(2 * 86_400)), "2 days");
        assert_eq!(span(Duration::from_secs(59)), "1 minute");
    }
}

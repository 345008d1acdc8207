//! The settings table written out for people: the README's table and `.env.example`, both produced
//! from [`SETTINGS`] (and checked against the files by a test).

use super::table::{Fallback, Group, Kind, Production, SETTINGS, Setting};

/// Marks the README's settings table: the lines between these two are [`markdown`]'s.
pub const README_START: &str =
    "<!-- settings: written by `server config --markdown`; edit server/src/config/table.rs -->";
/// The line after the README's settings table.
pub const README_END: &str = "<!-- end of settings -->";

fn allowed(kind: Kind) -> String {
    match kind {
        Kind::Whole { min, max } => format!("{min} – {max}"),
        Kind::Flag => "`true`, `false`".to_owned(),
        Kind::Choice(words) => words.iter().map(|word| format!("`{word}`")).collect::<Vec<_>>().join(", "),
        Kind::Text => "text".to_owned(),
        Kind::Secret(bytes) => format!("at least {bytes} bytes"),
        Kind::Key => "64 hex characters".to_owned(),
        Kind::Ranges => "addresses, CIDR ranges".to_owned(),
        Kind::SocketAddr => "address:port".to_owned(),
    }
}

fn default_text(setting: &Setting) -> String {
    match setting.default {
        Fallback::Value(value) => format!("`{value}`"),
        Fallback::Computed(text) | Fallback::Unset(text) => text.to_owned(),
    }
}

fn production_text(production: Production) -> &'static str {
    match production {
        Production::Free => "",
        Production::Required => "**required**",
        Production::Rule(rule) => rule,
    }
}

/// The README's settings table, its markers included.
pub fn markdown() -> String {
    let mut out = format!("{README_START}\n\n");
    out.push_str(
        "| variable | default | allowed | production | meaning |\n| --- | --- | --- | --- | --- |\n",
    );
    for setting in SETTINGS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            setting.name,
            default_text(setting),
            allowed(setting.kind),
            production_text(setting.production),
            setting.description,
        ));
    }
    out.push('\n');
    out.push_str(README_END);
    out.push('\n');
    out
}

/// `text` as comment lines of at most 100 characters.
fn comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 100 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// `.env.example`: every setting, commented out at its default, grouped and described.
pub fn env_example() -> String {
    let mut out = comment(
        "Copy to `.env` (git-ignored) to override defaults. Every variable is optional in development; \
         APP_ENV=production requires those marked so. Written by `server config --env-example` from \
         the settings table (server/src/config/table.rs): edit that, not this file.",
    );
    for group in Group::ALL {
        out.push('\n');
        out.push_str(&comment(&format!("== {}", group.heading())));
        for setting in SETTINGS.iter().filter(|setting| setting.group == group) {
            let mut text = setting.description.replace("**", "");
            if let Some(first) = text.get(..1) {
                text = format!("{}{}", first.to_uppercase(), &text[1..]);
            }
            match setting.default {
                Fallback::Computed(how) | Fallback::Unset(how) => text.push_str(&format!(". Default: {how}")),
                Fallback::Value(_) => {}
            }
            match setting.production {
                Production::Free => {}
                Production::Required => text.push_str(". Production: required"),
                Production::Rule(rule) => text.push_str(&format!(". Production: {rule}")),
            }
            text.push('.');
            out.push_str(&comment(&text));
            let value = match setting.default {
                Fallback::Value(value) => value,
                _ => "",
            };
            out.push_str(&format!("# {}={value}\n", setting.name));
        }
    }
    out
}

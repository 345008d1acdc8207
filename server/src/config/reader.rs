//! Reading settings through the table: each read looks its setting up (default, allowed values),
//! and every problem is noted rather than returned, so all of them are reported at once.

use super::table::{Fallback, Kind, setting};

/// Reads settings from a lookup (the environment, or a map in tests), collecting problems.
pub struct Reader<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<String>,
}

impl<'a> Reader<'a> {
    /// A reader over `get`, which answers `None` for an unset (or blank) variable.
    pub fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Reader { get, problems: Vec::new() }
    }

    /// Notes a problem.
    pub fn note(&mut self, problem: impl Into<String>) {
        self.problems.push(problem.into());
    }

    /// The raw value of `name`, if set.
    pub fn raw(&self, name: &str) -> Option<String> {
        let _ = setting(name);
        (self.get)(name)
    }

    /// The raw value of `name`, a former name of a setting (not in the table).
    pub fn raw_alias(&self, name: &str) -> Option<String> {
        (self.get)(name)
    }

    /// The value of `name`, or its table default when that is a value.
    fn value(&self, name: &str) -> Option<String> {
        self.raw(name).or_else(|| match setting(name).default {
            Fallback::Value(value) => Some(value.to_owned()),
            Fallback::Computed(_) | Fallback::Unset(_) => None,
        })
    }

    /// A whole number within the setting's range; `computed` when unset and the table computes the
    /// default. Out of range or not a number: noted, and the default is used.
    pub fn whole(&mut self, name: &str, computed: Option<u64>) -> u64 {
        let Kind::Whole { min, max } = setting(name).kind else {
            panic!("{name} is not a whole number in the settings table");
        };
        let fallback = computed.unwrap_or(min);
        let Some(raw) = self.value(name) else {
            return fallback;
        };
        match raw.trim().parse::<u64>() {
            Ok(value) if (min..=max).contains(&value) => value,
            Ok(value) => {
                self.note(format!("{name} must be between {min} and {max} (got {value})"));
                fallback
            }
            Err(_) => {
                self.note(format!("{name} must be a whole number, not `{raw}`"));
                fallback
            }
        }
    }

    /// [`whole`](Self::whole) as another integer type (the table's ranges fit it).
    pub fn whole_as<T: TryFrom<u64>>(&mut self, name: &str) -> T {
        let value = self.whole(name, None);
        T::try_from(value).unwrap_or_else(|_| panic!("{name}'s range does not fit its type"))
    }

    /// A flag.
    pub fn flag(&mut self, name: &str) -> bool {
        match self.value(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0" | "no" | "off") => false,
            Some("true" | "1" | "yes" | "on") => true,
            Some(other) => {
                self.note(format!("{name} must be `true` or `false`, not `{other}`"));
                false
            }
        }
    }

    /// One of the setting's words (compared without case); the default when unset or wrong.
    pub fn choice(&mut self, name: &str) -> &'static str {
        let Kind::Choice(words) = setting(name).kind else {
            panic!("{name} is not a choice in the settings table");
        };
        let default = match setting(name).default {
            Fallback::Value(value) => value,
            _ => words[0],
        };
        let Some(raw) = self.raw(name) else {
            return default;
        };
        match words.iter().find(|word| word.eq_ignore_ascii_case(raw.trim())) {
            Some(word) => word,
            None => {
                self.note(format!("{name} must be one of {}, not `{raw}`", words.join(", ")));
                default
            }
        }
    }

    /// Text, or its table default.
    pub fn text(&mut self, name: &str) -> Option<String> {
        self.value(name)
    }

    /// Every problem noted, one per line, or nothing.
    ///
    /// # Errors
    /// The problems.
    pub fn finish(self) -> Result<(), String> {
        if self.problems.is_empty() { Ok(()) } else { Err(self.problems.join("\n")) }
    }
}

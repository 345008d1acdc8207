//! Human-readable times for the session expiry.

/// "in 23 h 59 min", "in 4 min", "now", relative to `now` (both seconds since the epoch).
pub fn relative(at: i64, now: i64) -> String {
    let minutes = (at - now).max(0) / 60;
    match (minutes / 60, minutes % 60) {
        (0, 0) => "in less than a minute".to_owned(),
        (0, m) => format!("in {m} min"),
        (h, 0) => format!("in {h} h"),
        (h, m) => format!("in {h} h {m} min"),
    }
}

/// Seconds since the epoch, from the browser's clock.
#[cfg(feature = "hydrate")]
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Seconds since the epoch (server side; pages using it render after hydration only).
#[cfg(not(feature = "hydrate"))]
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// A date and time in the browser's locale and time zone.
#[cfg(feature = "hydrate")]
pub fn local(at: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string("default", &options).into()
}

/// A date and time in UTC (server side).
#[cfg(not(feature = "hydrate"))]
pub fn local(at: i64) -> String {
    format!("{at} (seconds since 1970, UTC)")
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(100, 100), "in less than a minute");
        assert_eq!(relative(100 + 4 * 60, 100), "in 4 min");
        assert_eq!(relative(100 + 3600, 100), "in 1 h");
        assert_eq!(relative(86_399, 0), "in 23 h 59 min");
        assert_eq!(relative(0, 100), "in less than a minute");
    }
}

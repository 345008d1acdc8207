//! Starting to load a page's code before it is opened: a pointer over its link, or focus on it.
//! Which code a path needs is known to `routes.rs`, which sits above the pages (it builds them):
//! pages cannot import it without closing a circle, so they call [`prefetch`] here, and the app
//! registers the routes' loader at start-up.

use std::sync::OnceLock;

static LOADER: OnceLock<fn(&str)> = OnceLock::new();

/// Sets what [`prefetch`] does (once; later calls change nothing).
pub fn register(loader: fn(&str)) {
    let _ = LOADER.set(loader);
}

/// Starts loading the code of the page at `path`, when it has code of its own not loaded yet.
pub fn prefetch(path: &str) {
    if let Some(loader) = LOADER.get() {
        loader(path);
    }
}

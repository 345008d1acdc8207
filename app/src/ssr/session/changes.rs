//! Which requests changed what the auth cache holds, whatever they answer.
//!
//! The fence layer makes a successful change answer only once this instance's cache has heard of
//! it. Some refusals change things too: a refresh token's reuse ends its session and then refuses;
//! a password change commits and can then fail to issue the new token; a sign-in past the session
//! cap ends the oldest sessions. The functions that end sessions or tokens, take a role away, remove
//! a second factor or disable or delete an account call [`note`], and the fence layer fences any
//! request that did, whatever its status (a timeout's 408 included).

use std::cell::Cell;

tokio::task_local! {
    static CHANGED: Cell<bool>;
}

/// Notes that the request being served ended a session or an account's tokens. Outside a request
/// (the command line, a background task) it does nothing.
pub fn note() {
    let _ = CHANGED.try_with(|changed| changed.set(true));
}

/// Runs `request`, returning its output and whether it called [`note`].
pub async fn noting<F: Future>(request: F) -> (F::Output, bool) {
    CHANGED
        .scope(Cell::new(false), async move {
            let output = request.await;
            (output, CHANGED.with(Cell::get))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_note_is_seen_by_its_own_request_only() {
        let (_, quiet) = noting(async {}).await;
        assert!(!quiet);
        let (_, changed) = noting(async { note() }).await;
        assert!(changed);
        note(); // outside any request: ignored, no panic
        let (_, after) = noting(async {}).await;
        assert!(!after);
    }
}

//! The browser entry point: hydrates the server-rendered page into the live app.

/// Called by the generated JavaScript once the wasm module is loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous hydration: a page loaded on first visit (ui/routes.rs) is hydrated once its code
    // has arrived, which in a split build may be a chunk still on its way. Only then does the app
    // go live (`hydration_finished`): what it does then, such as reading the stored session, may
    // change the markup, which must match the server's until hydration is over.
    // (`hydrate_from_async` starts leptos' executor itself.)
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        let app = leptos::mount::hydrate_from_async(body, app::ui::App).await;
        app::ui::hydration_finished();
        app.forget();
    });
}

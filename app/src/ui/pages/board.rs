//! `/user`, `/pm`, `/admin`: a board's content, fetched from the server after hydration. The server
//! decides: a role that is not enough shows its refusal, never the content.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::admin::AdminTools;
use super::profile::UserDetails;
use crate::api;
use crate::error::AppError;
use crate::model::BoardContent;
use crate::roles::Board;
use crate::ui::guard::RequireSignIn;
use crate::ui::session::use_session;

/// A board page.
#[component]
pub fn BoardPage(board: Board) -> impl IntoView {
    view! {
        <Title text=format!("{} · Rust Auth", board.title())/>
        <section class="panel">
            <h1>{board.title()}</h1>
            <RequireSignIn>
                <BoardLoader board=board/>
            </RequireSignIn>
        </section>
    }
}

#[component]
fn BoardLoader(board: Board) -> impl IntoView {
    let session = use_session();
    // Fetched again only when who is signed in, or their roles, change.
    let who = Memo::new(move |_| session.user().map(|user| (user.id, user.roles)));
    let content = LocalResource::new(move || {
        who.track();
        async move { api::open_board(board.into()).await.map_err(|err| session.check(err)) }
    });
    let loading = || view! { <p class="loading" aria-live="polite">"Loading…"</p> };
    view! {
        <Transition fallback=loading>
            {move || content.get().map(|result| view! { <BoardAnswer board=board result=result/> })}
        </Transition>
    }
}

#[component]
fn BoardAnswer(board: Board, result: Result<BoardContent, AppError>) -> impl IntoView {
    match result {
        Ok(content) => view! { <BoardBody board=board content=content/> }.into_any(),
        Err(AppError::Forbidden { message }) => view! {
            <div class="refusal" role="alert">
                <h2>"Access denied"</h2>
                <p data-testid="refusal">{message}</p>
                <p>"Your roles do not open this board. Ask an administrator if you need it."</p>
            </div>
        }
        .into_any(),
        Err(AppError::MfaSetupRequired) => view! {
            <div class="refusal" role="alert">
                <h2>"Two-factor sign-in first"</h2>
                <p data-testid="refusal">{AppError::MfaSetupRequired.to_string()}</p>
                <p><A href="/profile">"Set it up on your Profile"</A></p>
            </div>
        }
        .into_any(),
        Err(err) => view! { <p class="alert" role="alert">{err.to_string()}</p> }.into_any(),
    }
}

#[component]
fn BoardBody(board: Board, content: BoardContent) -> impl IntoView {
    let audience = match board {
        Board::User => "every signed-in user",
        Board::Management => "project managers and administrators",
        Board::Admin => "administrators only",
    };
    view! {
        <p class="board-description" data-testid="board-description">{content.description}</p>
        <p>"This board is open to " {audience} ". The server checked your token and roles just now."</p>
        <h2>"Signed in as"</h2>
        <UserDetails user=content.user/>
        {(board == Board::Admin).then(|| view! { <AdminTools/> })}
    }
}

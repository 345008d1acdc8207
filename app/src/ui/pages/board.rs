//! `/user`, `/pm`, `/admin`: a board's content, fetched from the server after hydration. The server
//! decides: a role that is not enough shows its refusal, never the content.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::account::UserDetails;
use crate::api;
use crate::error::AppError;
use crate::model::BoardContent;
use crate::roles::Board;
use crate::ui::guard::RequireSignIn;
use crate::ui::session::use_session;

/// What a board page loads from the server. Created when its route matches, before the page's code
/// has arrived in a split build (see routes.rs), so the two travel at the same time.
#[derive(Clone, Copy)]
pub struct BoardData {
    board: Board,
    /// `None` inside while nobody is signed in (the page then asks for a sign-in instead).
    content: LocalResource<Option<Result<BoardContent, AppError>>>,
}

impl BoardData {
    /// Starts loading `board` for whoever is signed in, and again when that person or their roles
    /// change.
    pub fn load(board: Board) -> Self {
        let session = use_session();
        let who = Memo::new(move |_| session.user().map(|user| (user.id, user.roles)));
        let content = LocalResource::new(move || {
            let signed_in = who.get().is_some();
            async move {
                if !signed_in {
                    return None;
                }
                Some(api::open_board(board.into()).await.map_err(|err| session.check(err)))
            }
        });
        Self { board, content }
    }
}

/// A board page; `children` (the Admin tools) show below the content once the server has opened it.
#[component]
pub fn BoardPage(data: BoardData, #[prop(optional)] children: Option<ChildrenFn>) -> impl IntoView {
    let board = data.board;
    view! {
        <Title text=format!("{} · Rust Auth", board.title())/>
        <section class="panel">
            <h1>{board.title()}</h1>
            <RequireSignIn>
                <BoardLoader data=data tools=children.clone()/>
            </RequireSignIn>
        </section>
    }
}

#[component]
fn BoardLoader(data: BoardData, tools: Option<ChildrenFn>) -> impl IntoView {
    let board = data.board;
    let loading = || view! { <p class="loading" aria-live="polite">"Loading…"</p> };
    view! {
        <Transition fallback=loading>
            {move || match data.content.get() {
                Some(Some(result)) => view! { <BoardAnswer board=board result=result tools=tools.clone()/> }.into_any(),
                // Signed in a moment ago: the content for them is on its way.
                _ => loading().into_any(),
            }}
        </Transition>
    }
}

#[component]
fn BoardAnswer(
    board: Board,
    result: Result<BoardContent, AppError>,
    tools: Option<ChildrenFn>,
) -> impl IntoView {
    match result {
        Ok(content) => {
            view! { <BoardBody board=board content=content/> {tools.map(|tools| tools())} }.into_any()
        }
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
                <p><A href="/account/security">"Set it up under Security"</A></p>
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
    }
}

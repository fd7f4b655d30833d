//! Users and roles, for clinic administrators: the list, each user's roles as
//! check boxes, deactivating and reactivating an account, giving a user a
//! temporary password (changed at their next sign-in), and a form to add a user.

use crate::app::state;
use crate::i18n::{t, t_now};
use crate::transport::call;
use crate::widgets::{Busy, ErrorBanner, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;
use salal_ipc::admin::{
    NewUserRequest, ResetPasswordRequest, SetActiveRequest, SetRolesRequest, UserRow,
};
use salal_ipc::{IpcError, cmd};

/// The users screen.
#[component]
pub(crate) fn Users() -> impl IntoView {
    let app = state();
    let users = RwSignal::new(Vec::<UserRow>::new());
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(false);
    let load = move || {
        busy.set(true);
        spawn_local(async move {
            match call::<_, Vec<UserRow>>(cmd::LIST_USERS, &()).await {
                Ok(rows) => users.set(rows),
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };
    load();

    let toggle_role = move |user_id: String, mut roles: Vec<String>, role: String| {
        if let Some(at) = roles.iter().position(|r| *r == role) {
            roles.remove(at);
        } else {
            roles.push(role);
        }
        let req = SetRolesRequest { user_id, roles };
        spawn_local(async move {
            match call::<_, ()>(cmd::SET_USER_ROLES, &req).await {
                Ok(()) => load(),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let notice = RwSignal::new(None::<String>);
    let set_active = move |user_id: String, active: bool| {
        let req = SetActiveRequest { user_id, active };
        spawn_local(async move {
            match call::<_, ()>(cmd::SET_USER_ACTIVE, &req).await {
                Ok(()) => {
                    error.set(None);
                    notice.set(Some(t_now(if active {
                        "ui.users.reactivated"
                    } else {
                        "ui.users.deactivated"
                    })));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // The account whose temporary password is being typed: (id, user name).
    let resetting = RwSignal::new(None::<(String, String)>);

    view! {
        <section class="card" id="users-screen">
            <h1>{t("ui.users.title")}</h1>
            <ErrorBanner error=error/>
            <Show when=move || notice.with(Option::is_some)>
                <p class="banner success" role="status" id="users-notice">{move || notice.get().unwrap_or_default()}</p>
            </Show>
            <Busy busy=busy/>
            <table class="users">
                <thead>
                    <tr>
                        <th scope="col">{t("ui.users.username")}</th>
                        <th scope="col">{t("ui.users.display_name")}</th>
                        <th scope="col">{t("ui.users.roles")}</th>
                        <th scope="col">{t("ui.users.account")}</th>
                    </tr>
                </thead>
                <tbody>
                    {move || users.get().into_iter().map(|user| {
                        let roles = app.codes.get().roles;
                        view! {
                            <tr class:inactive=!user.active>
                                <td>{user.username.clone()}</td>
                                <td>{user.display_name.clone()}</td>
                                <td class="roles">
                                    {roles.into_iter().map(|role| {
                                        let checked = user.roles.contains(&role.code);
                                        let (id, held, code) = (user.id.clone(), user.roles.clone(), role.code.clone());
                                        view! {
                                            <label class="check">
                                                <input type="checkbox" checked=checked
                                                    on:change=move |_| toggle_role(id.clone(), held.clone(), code.clone())/>
                                                {role.label}
                                            </label>
                                        }
                                    }).collect_view()}
                                </td>
                                <td class="account">
                                    <span class="state">{if user.active { t("ui.users.active") } else { t("ui.users.inactive") }}</span>
                                    {
                                        let (id, active) = (user.id.clone(), user.active);
                                        view! {
                                            <button type="button" id=format!("user-active-{}", user.username)
                                                on:click=move |_| set_active(id.clone(), !active)>
                                                {if active { t("ui.users.deactivate") } else { t("ui.users.reactivate") }}
                                            </button>
                                        }
                                    }
                                    {
                                        let who = (user.id.clone(), user.username.clone());
                                        view! {
                                            <button type="button" id=format!("user-reset-{}", user.username)
                                                on:click=move |_| resetting.set(Some(who.clone()))>
                                                {t("ui.users.reset_password")}
                                            </button>
                                        }
                                    }
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <Show when=move || resetting.with(Option::is_some)>
                <ResetPassword resetting=resetting notice=notice/>
            </Show>
            <NewUser on_created=load/>
        </section>
    }
}

/// A temporary password for one account; the user replaces it at sign-in.
#[component]
fn ResetPassword(
    resetting: RwSignal<Option<(String, String)>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(false);
    let field = NodeRef::<leptos::html::Input>::new();
    crate::widgets::focus_on_mount(field);
    let username =
        move || resetting.with(|r| r.as_ref().map(|(_, u)| u.clone()).unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((user_id, username)) = resetting.get_untracked() else {
            return;
        };
        let req = ResetPasswordRequest {
            user_id,
            temporary_password: password.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            match call::<_, ()>(cmd::RESET_USER_PASSWORD, &req).await {
                Ok(()) => {
                    notice.set(Some(crate::i18n::t_args(
                        "ui.users.password_reset",
                        &[("user", username)],
                    )));
                    resetting.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            resetting.set(None);
        }
    };
    view! {
        <form on:submit=submit on:keydown=on_key class="panel" id="reset-password-form">
            <h2>{move || crate::i18n::t_args_tracked("ui.users.reset_title", &[("user", username())])}</h2>
            <ErrorBanner error=error/>
            <TextField label="ui.users.temporary_password" id="reset-password" value=password kind="password"
                node_ref=field required=true/>
            <p class="hint">{t("ui.setup.password_rules")}</p>
            <crate::widgets::SubmitRow id="reset-save" label="ui.users.reset_save" busy=busy
                cancel=("reset-cancel", Callback::new(move |()| resetting.set(None)))/>
        </form>
    }
}

#[component]
fn NewUser(on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let app = state();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let roles = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<IpcError>);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = NewUserRequest {
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            password: password.get_untracked(),
            roles: roles.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match call::<_, ()>(cmd::CREATE_USER, &req).await {
                Ok(()) => {
                    for field in [username, display_name, password] {
                        field.set(String::new());
                    }
                    roles.set(Vec::new());
                    notice.set(Some(t_now("ui.users.created")));
                    on_created();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.try_set(false);
        });
    };
    view! {
        <form on:submit=submit class="panel">
            <h2>{t("ui.users.new_title")}</h2>
            <ErrorBanner error=error/>
            <Show when=move || notice.with(Option::is_some)>
                <p class="banner success" role="status">{move || notice.get().unwrap_or_default()}</p>
            </Show>
            <div class="row">
                <TextField label="ui.users.username" id="user-username" value=username required=true/>
                <TextField label="ui.users.display_name" id="user-display-name" value=display_name required=true/>
                <TextField label="ui.users.password" id="user-password" value=password kind="password" required=true/>
            </div>
            <fieldset class="roles">
                <legend>{t("ui.users.roles")}</legend>
                {move || app.codes.get().roles.into_iter().map(|role| {
                    let code = role.code.clone();
                    let code_checked = role.code.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" id=format!("new-user-role-{}", role.code)
                                prop:checked=move || roles.with(|r| r.contains(&code_checked))
                                on:change=move |_| roles.update(|r| {
                                    if let Some(at) = r.iter().position(|c| *c == code) { r.remove(at); } else { r.push(code.clone()); }
                                })/>
                            {role.label}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="actions">
                <button type="submit" id="user-create" class="primary" disabled=move || busy.get()>{t("ui.users.create")}</button>
                <Busy busy=busy/>
            </div>
        </form>
    }
}

-- Emptying a table at once (`TRUNCATE sessions`, a natural "sign everyone out") fires no row
-- trigger: tell every instance to forget everything it remembers (payload `*:<table>`).

create function notify_table_emptied() returns trigger language plpgsql as $$
begin
    perform pg_notify('auth_changes', '*:' || tg_table_name);
    return null;
end $$;

create trigger users_auth_truncated after truncate on users
    for each statement execute function notify_table_emptied();
create trigger user_roles_auth_truncated after truncate on user_roles
    for each statement execute function notify_table_emptied();
create trigger mfa_secrets_auth_truncated after truncate on mfa_secrets
    for each statement execute function notify_table_emptied();
create trigger passkeys_auth_truncated after truncate on passkeys
    for each statement execute function notify_table_emptied();
create trigger sessions_auth_truncated after truncate on sessions
    for each statement execute function notify_table_emptied();

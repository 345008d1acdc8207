-- Every instance remembers what `authenticate` reads (the account, its roles and factors, the
-- session) and forgets it when told. The telling is done here, by triggers, so that it happens in
-- the same transaction as the change whatever code path made it (a service, the admin CLI, psql):
-- PostgreSQL delivers a NOTIFY only if its transaction commits, and to every listener.
--
-- Payloads on channel `auth_changes`: `u:<user id>` (the account, its roles, two-factor secrets or
-- passkeys changed, or it was deleted) and `s:<session id>` (the session ended, was deleted, or
-- gained its second factor). The instances' own `f:` fences and `h:` heartbeats use the channel
-- too (app/src/ssr/session/revocations.rs).

create function notify_user_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('auth_changes', 'u:' || old.id::text);
    return null;
end $$;

-- Rows that belong to a user (roles, two-factor secrets, passkeys).
create function notify_user_row_changed() returns trigger language plpgsql as $$
begin
    if tg_op <> 'INSERT' then
        perform pg_notify('auth_changes', 'u:' || old.user_id::text);
    end if;
    if tg_op <> 'DELETE' then
        perform pg_notify('auth_changes', 'u:' || new.user_id::text);
    end if;
    return null;
end $$;

create function notify_session_changed() returns trigger language plpgsql as $$
begin
    perform pg_notify('auth_changes', 's:' || old.id::text);
    return null;
end $$;

create trigger users_auth_changes
    after update on users for each row when (old is distinct from new)
    execute function notify_user_changed();
create trigger users_auth_deleted
    after delete on users for each row
    execute function notify_user_changed();

create trigger user_roles_auth_changes
    after insert or update or delete on user_roles for each row
    execute function notify_user_row_changed();
create trigger mfa_secrets_auth_changes
    after insert or update or delete on mfa_secrets for each row
    execute function notify_user_row_changed();
-- A passkey's use (its counter, its last-used time) changes nothing `authenticate` reads.
create trigger passkeys_auth_changes
    after insert or delete on passkeys for each row
    execute function notify_user_row_changed();

create trigger sessions_auth_changes
    after update on sessions for each row
    when (old.ended_at is distinct from new.ended_at
          or old.expires_at is distinct from new.expires_at
          or old.second_factor is distinct from new.second_factor
          or old.user_id is distinct from new.user_id)
    execute function notify_session_changed();
-- Purging ended sessions tells nobody anything: only a live one's deletion is news.
create trigger sessions_auth_deleted
    after delete on sessions for each row when (old.ended_at is null)
    execute function notify_session_changed();

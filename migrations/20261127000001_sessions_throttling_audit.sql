-- Revocation, disabled accounts, sign-in throttling and the audit log.

alter table users
    -- Tokens carry the version they were issued at; bumping it ends every session of the user at once
    -- (sign out everywhere, password change).
    add column token_version integer not null default 0,
    -- Set by an admin; null while the account is active. A disabled account cannot sign in and its
    -- tokens stop working at once.
    add column disabled_at timestamptz;

-- Single tokens ended before their expiry (sign-out). A row is useless once the token would have
-- expired anyway, and is then deleted.
create table revoked_tokens (
    jti        uuid        primary key,
    expires_at timestamptz not null
);

create index revoked_tokens_expires_at_idx on revoked_tokens (expires_at);

-- Failed sign-ins, counted per account and per client address to throttle guessing. Kept in the
-- database so every server instance behind a load balancer sees the same counts. Rows older than
-- the throttling window are deleted.
create table signin_failures (
    id        bigint      generated always as identity primary key,
    -- The account's id, or the lower-cased login when no such account exists (so guessing at
    -- unknown accounts is throttled exactly like guessing at real ones).
    account   text        not null,
    address   inet        not null,
    failed_at timestamptz not null default now()
);

create index signin_failures_account_idx on signin_failures (account, failed_at desc);
create index signin_failures_address_idx on signin_failures (address, failed_at desc);

create type audit_event as enum (
    'signin_succeeded',
    'signin_failed',
    'signin_throttled',
    'signed_out',
    'signed_out_everywhere',
    'password_changed',
    'account_created',
    'role_granted',
    'role_revoked',
    'account_disabled',
    'account_enabled'
);

-- Security-relevant events, newest read first. Usernames are copied at the time of the event so an
-- entry stays readable after the account is renamed or deleted.
create table audit_log (
    id           bigint      generated always as identity primary key,
    at           timestamptz not null default now(),
    event        audit_event not null,
    -- Who acted (null: an anonymous visitor).
    actor_id     uuid        references users (id) on delete set null,
    actor_name   text,
    -- Whose account it concerns.
    subject_id   uuid        references users (id) on delete set null,
    subject_name text,
    -- What was typed as the username at a failed sign-in (never a password), cut to 100 characters.
    login        text        check (char_length(login) <= 100),
    address      inet,
    -- Event detail, e.g. the role granted.
    detail       text
);

create index audit_log_at_idx on audit_log (at desc);

-- An account with its roles as one array: what every authenticated request and the Admin board read.
create view accounts as
select u.id, u.name, u.username, u.email, u.password_hash, u.token_version, u.disabled_at, u.created_at,
       array(select r.name from user_roles ur join roles r on r.id = ur.role_id
             where ur.user_id = u.id order by r.id) as roles
from users u;

-- Sessions people can see and end, refresh tokens with rotation and reuse detection, and two-factor
-- sign-in (TOTP).

-- One row per sign-in. Access tokens name their session (`sid`), so ending a session ends every
-- token it issued at once; this replaces the list of single revoked tokens.
create table sessions (
    id           uuid        primary key default gen_random_uuid(),
    user_id      uuid        not null references users (id) on delete cascade,
    created_at   timestamptz not null default now(),
    -- Updated by refreshes and, at most once a minute, by requests.
    last_seen_at timestamptz not null default now(),
    -- The refresh token's expiry: `REFRESH_TTL_SECS` (or `REMEMBER_TTL_SECS`) after the last refresh.
    expires_at   timestamptz not null,
    -- "Keep me signed in" was ticked.
    remember     boolean     not null default false,
    user_agent   text        check (char_length(user_agent) <= 300),
    address      inet,
    ended_at     timestamptz,
    -- Why it ended: signed out, signed out elsewhere, password changed, refresh token reused, ...
    ended_reason text        check (char_length(ended_reason) <= 100)
);

create index sessions_user_idx on sessions (user_id) where ended_at is null;
create index sessions_expires_at_idx on sessions (expires_at);

-- Refresh tokens, stored as their SHA-256. Each refresh spends the token presented and issues a
-- new one. A spent token presented again within `REFRESH_REUSE_GRACE_SECS` of its spending is
-- honoured (two tabs refreshing at once); after that it is taken as stolen and ends the session.
create table refresh_tokens (
    hash       bytea       primary key check (octet_length(hash) = 32),
    session_id uuid        not null references sessions (id) on delete cascade,
    created_at timestamptz not null default now(),
    spent_at   timestamptz
);

create index refresh_tokens_session_idx on refresh_tokens (session_id);

drop table revoked_tokens;

-- A TOTP secret (RFC 6238), encrypted with AES-256-GCM under `MFA_ENCRYPTION_KEY`. Pending until
-- the first code proves the authenticator has it.
create table mfa_secrets (
    user_id        uuid        primary key references users (id) on delete cascade,
    ciphertext     bytea       not null,
    nonce          bytea       not null check (octet_length(nonce) = 12),
    created_at     timestamptz not null default now(),
    enabled_at     timestamptz,
    -- The last 30-second step whose code was accepted: no code is accepted twice.
    last_used_step bigint      not null default 0
);

-- Single-use recovery codes, stored as their SHA-256.
create table mfa_recovery_codes (
    user_id uuid        not null references users (id) on delete cascade,
    hash    bytea       not null check (octet_length(hash) = 32),
    used_at timestamptz,
    primary key (user_id, hash)
);

-- The step between a right password and a second factor: a random challenge, stored as its
-- SHA-256, valid for five minutes, used once.
create table mfa_challenges (
    hash       bytea       primary key check (octet_length(hash) = 32),
    user_id    uuid        not null references users (id) on delete cascade,
    remember   boolean     not null default false,
    user_agent text        check (char_length(user_agent) <= 300),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at    timestamptz
);

create index mfa_challenges_expires_at_idx on mfa_challenges (expires_at);

alter type audit_event add value 'session_ended';
alter type audit_event add value 'refresh_token_reused';
alter type audit_event add value 'mfa_enabled';
alter type audit_event add value 'mfa_disabled';
alter type audit_event add value 'mfa_reset';
alter type audit_event add value 'mfa_failed';
alter type audit_event add value 'mfa_recovery_code_used';

-- Whether sign-in asks for a second factor joins what every account read sees.
drop view accounts;
create view accounts as
select u.id, u.name, u.username, u.email, u.password_hash, u.token_version, u.disabled_at, u.created_at,
       u.email_verified_at,
       exists(select 1 from mfa_secrets m where m.user_id = u.id and m.enabled_at is not null) as mfa_enabled,
       array(select r.name from user_roles ur join roles r on r.id = ur.role_id
             where ur.user_id = u.id order by r.id) as roles
from users u;

-- Passkeys (WebAuthn): credentials, the ceremonies in progress, and accounts without a password.

-- An account created with a passkey has no password until its owner sets one (a reset link by
-- mail sets one). Every password check treats a missing one as wrong, at the same bcrypt cost.
alter table users alter column password_hash drop not null;

-- One passkey of an account. The serialised credential (webauthn-rs' `Passkey`: public key,
-- algorithm, counter, flags) is what verifies a sign-in; the other columns are what the owner sees
-- and what queries need.
create table passkeys (
    id            uuid        primary key default gen_random_uuid(),
    user_id       uuid        not null references users (id) on delete cascade,
    -- The authenticator's credential id: unique across all accounts (registering one another
    -- account holds is refused).
    credential_id bytea       not null check (octet_length(credential_id) between 16 and 1023),
    credential    jsonb       not null,
    -- The signature counter last seen: one that goes backwards means a cloned authenticator.
    sign_count    bigint      not null default 0 check (sign_count >= 0),
    -- The authenticator may sync the credential across devices (backup eligible), and does (backed up).
    backup_eligible boolean   not null default false,
    backed_up     boolean     not null default false,
    transports    text[]      not null default '{}',
    -- A name its owner chose (default: the device, from the user agent).
    name          text        not null check (char_length(name) between 1 and 64),
    created_at    timestamptz not null default now(),
    last_used_at  timestamptz
);

create unique index passkeys_credential_id_key on passkeys (credential_id);
create index passkeys_user_idx on passkeys (user_id);

-- A WebAuthn ceremony in progress (registration, sign-in, a passwordless sign-up, or a passkey
-- asked again before a change): webauthn-rs' state, kept here and never in the client, so any
-- instance can finish a ceremony another one started. Single use: finishing deletes it. Five
-- minutes at most.
create table webauthn_ceremonies (
    id         uuid        primary key default gen_random_uuid(),
    purpose    text        not null check (purpose in ('register', 'signin', 'signup', 'reauth')),
    -- The account, for ceremonies of a signed-in user, and its security stamp then: a credential
    -- change meanwhile (a password reset, a passkey removed) voids the ceremony, as it voids links.
    user_id    uuid        references users (id) on delete cascade,
    stamp      bigint,
    -- webauthn-rs' registration or authentication state.
    state      jsonb       not null,
    -- For a passwordless sign-up: the account to create (name, username, email) and its new id.
    signup     jsonb,
    -- For a registration: the passkey's name.
    label      text        check (char_length(label) <= 64),
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);

create index webauthn_ceremonies_expires_at_idx on webauthn_ceremonies (expires_at);

-- Whether the session was opened with a second factor (a TOTP code, or a passkey, which is
-- multi-factor by nature): what `REQUIRE_2FA_FOR_ADMINS` asks of an admin's session. Sessions of
-- accounts with two-factor sign-in on were opened with a code.
alter table sessions add column second_factor boolean not null default false;
update sessions s set second_factor = true
where exists (select 1 from mfa_secrets m where m.user_id = s.user_id and m.enabled_at is not null);

alter type audit_event add value 'passkey_added';
alter type audit_event add value 'passkey_removed';
alter type audit_event add value 'passkey_renamed';
alter type audit_event add value 'passkey_signin_failed';
alter type audit_event add value 'passkey_cloned';

-- Whether the account has a password, and how many passkeys, join what every account read sees.
drop view accounts;
create view accounts as
select u.id, u.name, u.username, u.email, u.password_hash, u.token_version, u.disabled_at, u.created_at,
       u.email_verified_at, u.security_stamp,
       exists(select 1 from mfa_secrets m where m.user_id = u.id and m.enabled_at is not null) as mfa_enabled,
       u.password_hash is not null as has_password,
       (select count(*) from passkeys p where p.user_id = u.id)::int as passkey_count,
       array(select r.name from user_roles ur join roles r on r.id = ur.role_id
             where ur.user_id = u.id order by r.id) as roles
from users u;

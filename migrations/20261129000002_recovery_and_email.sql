-- Email verification, one-time links (password reset, email verification, change of email) and
-- the mail outbox.

alter table users
    -- When the owner proved the address is theirs (a link from a mail to it was followed); null until
    -- then. Accounts made by the operator's command line are verified when created.
    add column email_verified_at timestamptz;

create type account_token_purpose as enum ('password_reset', 'email_verify', 'email_change');

-- Single-use links sent by mail. Only a SHA-256 of the 256-bit random token is stored, so a copy of
-- the database cannot be turned into working links. A new link voids the older ones of the same
-- purpose (they are marked used).
create table account_tokens (
    id         bigint                generated always as identity primary key,
    user_id    uuid                  not null references users (id) on delete cascade,
    purpose    account_token_purpose not null,
    token_hash bytea                 not null unique check (octet_length(token_hash) = 32),
    -- The address being verified: the account's own (email_verify) or the new one (email_change).
    email      text                  check (char_length(email) <= 254),
    created_at timestamptz           not null default now(),
    expires_at timestamptz           not null,
    used_at    timestamptz
);

create index account_tokens_user_idx on account_tokens (user_id, purpose) where used_at is null;
create index account_tokens_expires_at_idx on account_tokens (expires_at);

-- Mail to send. Written in the same transaction as the change that causes it, so a mail is never
-- promised without the change nor the change made without its mail; sent by a background worker
-- that retries with backoff, so a slow or unreachable mail server never slows or fails a request.
create table outbox (
    id              bigint      generated always as identity primary key,
    created_at      timestamptz not null default now(),
    -- Whose mail it is (logged instead of the address or the content, which may hold a link).
    user_id         uuid        references users (id) on delete set null,
    recipient       text        not null check (char_length(recipient) <= 254),
    subject         text        not null,
    text_body       text        not null,
    html_body       text        not null,
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    sent_at         timestamptz,
    -- Set when the worker gives up (too many attempts); the mail stays for an operator to see.
    failed_at       timestamptz
);

create index outbox_due_idx on outbox (next_attempt_at) where sent_at is null and failed_at is null;

alter type audit_event add value 'password_reset_requested';
alter type audit_event add value 'password_reset';
alter type audit_event add value 'email_verified';
alter type audit_event add value 'email_change_requested';
alter type audit_event add value 'email_changed';
alter type audit_event add value 'profile_updated';
alter type audit_event add value 'account_deleted';
-- A wrong (or throttled) password where a change other than the password itself asked for it.
alter type audit_event add value 'password_check_failed';
alter type audit_event add value 'password_check_throttled';

-- `email_verified_at` joins what every account read sees.
drop view accounts;
create view accounts as
select u.id, u.name, u.username, u.email, u.password_hash, u.token_version, u.disabled_at, u.created_at,
       u.email_verified_at,
       array(select r.name from user_roles ur join roles r on r.id = ur.role_id
             where ur.user_id = u.id order by r.id) as roles
from users u;

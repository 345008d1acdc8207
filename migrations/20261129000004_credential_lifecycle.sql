-- What a credential opened, its change closes: the account's security stamp, second-factor failures
-- counted on their own, refresh tokens as one chain per session, sealed mail bodies, and attempts
-- in flight told apart from failures.

-- The account's security stamp: bumped by every credential change (password changed or reset,
-- address changed, two-factor turned on, off or reset, recovery codes replaced, signed out
-- everywhere, account disabled). Mailed links and sign-in challenges record the stamp they were
-- issued under and stop working once it moves on.
alter table users add column security_stamp bigint not null default 0;

-- The stamp joins what every account read sees: a sign-in records the stamp its password was
-- checked under, and its session is only started if the stamp still holds.
drop view accounts;
create view accounts as
select u.id, u.name, u.username, u.email, u.password_hash, u.token_version, u.disabled_at, u.created_at,
       u.email_verified_at, u.security_stamp,
       exists(select 1 from mfa_secrets m where m.user_id = u.id and m.enabled_at is not null) as mfa_enabled,
       array(select r.name from user_roles ur join roles r on r.id = ur.role_id
             where ur.user_id = u.id order by r.id) as roles
from users u;

alter table account_tokens
    -- The account's security stamp when the link was issued.
    add column stamp bigint not null default 0;

alter table mfa_challenges
    -- The account's security stamp when the password was checked.
    add column stamp bigint not null default 0,
    -- Wrong codes sent with this challenge: the third one ends it (the password is needed again).
    add column failures smallint not null default 0 check (failures >= 0);

-- Sessions carry their refresh chain: a refresh token is the session's id, a generation and a MAC
-- under a key derived from the server's key and this session's seed, so nothing stored here is a
-- token, and a token spent any time in the session's life is recognised as spent.
alter table sessions
    -- Random bytes mixed into this session's refresh-token MACs (useless without the server key).
    add column refresh_seed bytea,
    -- The generation of the one live refresh token; older generations are spent.
    add column refresh_generation integer not null default 0,
    -- Until when the previous generation is still answered with the current token (two tabs that
    -- refreshed at once); null when it must not be (after the tokens were reissued).
    add column refresh_grace_until timestamptz,
    -- The session's absolute end: refreshing never extends it past this
    -- (`SESSION_MAX_LIFETIME_SECS`).
    add column max_expires_at timestamptz,
    -- Refreshes in the current hour, and when that hour began (refreshes are throttled per session).
    add column refresh_count integer not null default 0,
    add column refresh_window_start timestamptz not null default now();

-- Sessions from before this migration keep working: their refresh tokens are still looked up in
-- `refresh_tokens` (by hash) once, and answered with a token of the new chain. No new rows are
-- written there; a later migration drops the table once every such session has expired.
update sessions set max_expires_at = expires_at + interval '90 days' where max_expires_at is null;
alter table sessions alter column max_expires_at set not null;

-- Attempts in flight: a slot is pending while its password or code is checked. Others over the
-- limit wait for it rather than being refused on a count that may yet shrink (a right password
-- gives its slot back).
alter table throttle_slots add column pending boolean not null default false;

drop function take_throttle_slot(text, text, inet, float8, integer, integer, integer);

-- Takes a slot for (scope, key, address) unless a limit is reached within the window: at most
-- `per_pair` slots for this key from this address, `per_key` for this key from anywhere,
-- `per_address` from this address for any key (a null limit is no limit).
--
-- Settled slots (failures, and pending ones older than `pending_secs`, whose check never
-- reported) decide a refusal: then the answer is null and the seconds until the limiting slot
-- leaves the window. When only slots still in flight would reach a limit, the answer is `busy`:
-- the caller waits for them to resolve and asks again. Per-key and per-address advisory locks,
-- always taken in ascending order, make the count and the insert one step.
create function take_throttle_slot(
    p_scope        text,
    p_key          text,
    p_address      inet,
    p_window_secs  float8,
    p_per_pair     integer,
    p_per_key      integer,
    p_per_address  integer,
    p_pending      boolean,
    p_pending_secs float8
) returns table (slot bigint, retry_after float8, busy boolean)
language plpgsql as $$
declare
    key_lock     bigint := hashtextextended(p_scope || '/key/' || p_key, 0);
    address_lock bigint := hashtextextended(p_scope || '/address/' || host(p_address), 0);
    keyed        boolean := p_per_pair is not null or p_per_key is not null;
    since        timestamptz;
    fresh_after  timestamptz;
    wait         float8;
    in_flight    boolean;
begin
    if keyed and p_per_address is not null then
        perform pg_advisory_xact_lock(least(key_lock, address_lock));
        perform pg_advisory_xact_lock(greatest(key_lock, address_lock));
    elsif keyed then
        perform pg_advisory_xact_lock(key_lock);
    else
        perform pg_advisory_xact_lock(address_lock);
    end if;
    since := clock_timestamp() - make_interval(secs => p_window_secs);
    fresh_after := clock_timestamp() - make_interval(secs => p_pending_secs);
    -- For each limit, the settled slot whose age decides it (the limit-th newest settled one in the
    -- window): when it exists the limit is reached, and it leaves the window `at - since` from now.
    select max(waits.seconds) into wait from (
        (select extract(epoch from s.at - since)::float8 as seconds
           from throttle_slots s
          where p_per_pair is not null and s.scope = p_scope and s.key = p_key
            and s.address = p_address and s.at > since and not (s.pending and s.at > fresh_after)
          order by s.at desc offset greatest(p_per_pair, 1) - 1 limit 1)
        union all
        (select extract(epoch from s.at - since)::float8
           from throttle_slots s
          where p_per_key is not null and s.scope = p_scope and s.key = p_key and s.at > since
            and not (s.pending and s.at > fresh_after)
          order by s.at desc offset greatest(p_per_key, 1) - 1 limit 1)
        union all
        (select extract(epoch from s.at - since)::float8
           from throttle_slots s
          where p_per_address is not null and s.scope = p_scope and s.address = p_address
            and s.at > since and not (s.pending and s.at > fresh_after)
          order by s.at desc offset greatest(p_per_address, 1) - 1 limit 1)
    ) waits;
    if wait is not null then
        return query select null::bigint, wait, false;
        return;
    end if;
    -- Counting the slots in flight too: would a limit be reached? Then wait for them.
    select exists (
        (select 1 from throttle_slots s
          where p_per_pair is not null and s.scope = p_scope and s.key = p_key
            and s.address = p_address and s.at > since
          offset greatest(p_per_pair, 1) - 1 limit 1)
        union all
        (select 1 from throttle_slots s
          where p_per_key is not null and s.scope = p_scope and s.key = p_key and s.at > since
          offset greatest(p_per_key, 1) - 1 limit 1)
        union all
        (select 1 from throttle_slots s
          where p_per_address is not null and s.scope = p_scope and s.address = p_address
            and s.at > since
          offset greatest(p_per_address, 1) - 1 limit 1)
    ) into in_flight;
    if in_flight then
        return query select null::bigint, null::float8, true;
        return;
    end if;
    return query
        insert into throttle_slots (scope, key, address, at, expires_at, pending)
        values (p_scope, p_key, p_address, clock_timestamp(),
                clock_timestamp() + make_interval(secs => p_window_secs), p_pending)
        returning id, null::float8, false;
end;
$$;

-- Mail bodies are sealed (AES-256-GCM under the server's key) while they wait, and deleted once
-- sent or given up: a copy of the database never yields a working link. What an operator needs
-- stays: recipient, subject, template, times and the last error.
alter table outbox
    alter column text_body drop not null,
    alter column html_body drop not null,
    -- Which mail it is (`password_reset`, `security_notice`, ...).
    add column template text check (char_length(template) <= 64),
    -- The sealed plain-text and HTML parts (JSON), and the nonce they were sealed with.
    add column sealed_body bytea,
    add column sealed_nonce bytea check (octet_length(sealed_nonce) = 12);

-- Mails already sent keep no body.
update outbox set text_body = null, html_body = null where sent_at is not null or failed_at is not null;

create index outbox_sent_at_idx on outbox (sent_at) where sent_at is not null;

alter type audit_event add value 'mfa_throttled';
alter type audit_event add value 'recovery_codes_regenerated';
alter type audit_event add value 'refresh_refused';

-- Recovery codes are now stored as a MAC under the server key (a copy of the database cannot be
-- searched for them); codes stored before, as a plain SHA-256, keep working until used or replaced.
comment on column mfa_recovery_codes.hash is
    'HMAC-SHA256 of the code under a key derived from ENCRYPTION_KEY (older rows: SHA-256 of the code)';

-- Throttling that holds under concurrency, and an audit log that floods cannot bury.
--
-- Until now a failed sign-in was written after the password check, so a burst of concurrent guesses
-- all read the same count and were all checked. Now an attempt takes its slot first, atomically,
-- and only then is the password verified: a success gives the slot back, a failure keeps it.

drop table signin_failures;

-- One row per attempt that took a slot: pending while its password is checked, a failure after.
create table throttle_slots (
    id         bigint      generated always as identity primary key,
    -- What is limited: 'signin' (sign-in and password-change checks), 'signup', ...
    scope      text        not null check (char_length(scope) <= 32),
    -- Whose attempt: an account id, or a SHA-256 of a login that names no account. Bounded, so
    -- an 8 KB login can never overflow an index entry.
    key        text        not null check (char_length(key) <= 100),
    -- The client's address (IPv6 clients by their /64, see app::ssr::address).
    address    inet        not null,
    at         timestamptz not null default now(),
    -- When the row stops counting; the housekeeping task deletes it after that.
    expires_at timestamptz not null
);

create index throttle_slots_key_idx on throttle_slots (scope, key, at desc);
create index throttle_slots_address_idx on throttle_slots (scope, address, at desc);
create index throttle_slots_expires_at_idx on throttle_slots (expires_at);

-- Takes a slot for (scope, key, address) unless one of the limits is already reached within the
-- window: at most `per_pair` slots for this key from this address, `per_key` for this key from
-- anywhere, `per_address` from this address for any key (a null limit is no limit).
--
-- Returns the new slot's id, or null and the seconds until the limiting slot leaves the window.
-- Per-key and per-address advisory locks, always taken in ascending order (so two callers can never
-- wait on each other), make the count and the insert one step: concurrent callers are counted one
-- after the other, and no more than the limit ever get a slot. The locks are held for the count and
-- the insert only, never while a password is checked.
create function take_throttle_slot(
    p_scope       text,
    p_key         text,
    p_address     inet,
    p_window_secs float8,
    p_per_pair    integer,
    p_per_key     integer,
    p_per_address integer
) returns table (slot bigint, retry_after float8)
language plpgsql as $$
declare
    key_lock     bigint := hashtextextended(p_scope || '/key/' || p_key, 0);
    address_lock bigint := hashtextextended(p_scope || '/address/' || host(p_address), 0);
    keyed        boolean := p_per_pair is not null or p_per_key is not null;
    since        timestamptz;
    wait         float8;
begin
    if keyed and p_per_address is not null then
        perform pg_advisory_xact_lock(least(key_lock, address_lock));
        perform pg_advisory_xact_lock(greatest(key_lock, address_lock));
    elsif keyed then
        perform pg_advisory_xact_lock(key_lock);
    else
        perform pg_advisory_xact_lock(address_lock);
    end if;
    -- The clock after the locks: waiting for them may have taken a moment.
    since := clock_timestamp() - make_interval(secs => p_window_secs);
    -- For each limit, the slot whose age decides it (the limit-th newest in the window): when it
    -- exists the limit is reached, and it leaves the window `at - since` seconds from now.
    select max(waits.seconds) into wait from (
        (select extract(epoch from s.at - since)::float8 as seconds
           from throttle_slots s
          where p_per_pair is not null and s.scope = p_scope and s.key = p_key
            and s.address = p_address and s.at > since
          order by s.at desc offset greatest(p_per_pair, 1) - 1 limit 1)
        union all
        (select extract(epoch from s.at - since)::float8
           from throttle_slots s
          where p_per_key is not null and s.scope = p_scope and s.key = p_key and s.at > since
          order by s.at desc offset greatest(p_per_key, 1) - 1 limit 1)
        union all
        (select extract(epoch from s.at - since)::float8
           from throttle_slots s
          where p_per_address is not null and s.scope = p_scope and s.address = p_address
            and s.at > since
          order by s.at desc offset greatest(p_per_address, 1) - 1 limit 1)
    ) waits;
    if wait is not null then
        return query select null::bigint, wait;
    else
        return query
            insert into throttle_slots (scope, key, address, at, expires_at)
            values (p_scope, p_key, p_address, clock_timestamp(),
                    clock_timestamp() + make_interval(secs => p_window_secs))
            returning id, null::float8;
    end if;
end;
$$;

-- New audit events.
alter type audit_event add value 'password_change_failed';
alter type audit_event add value 'password_change_throttled';
alter type audit_event add value 'signup_throttled';

alter table audit_log
    -- How many attempts this entry stands for: refusals by the throttle are folded into one entry
    -- per key and window, so a flood adds one row, not millions.
    add column count integer not null default 1 check (count >= 1),
    -- Set on folded entries only: the scope, key and window they fold.
    add column fold_key text check (char_length(fold_key) <= 200);

create unique index audit_log_fold_key_idx on audit_log (fold_key) where fold_key is not null;

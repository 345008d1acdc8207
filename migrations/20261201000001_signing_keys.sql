-- Token signing keys (ES256), shared by every instance. A key is published as `next` before it
-- signs, signs as `current`, verifies only as `previous`, and is `retired` (gone from the JWKS,
-- its tokens refused, its private half erased) once no token it signed can still be valid.
-- The private key is sealed (AES-256-GCM) under the server key, ENCRYPTION_KEY: a copy of the
-- database alone cannot sign tokens. Only `next` and `current` keep it: it is erased when a key
-- stops signing. `mac` (HMAC under a key derived from ENCRYPTION_KEY, over the name and the public
-- key) is checked on every load: a row written by someone without the server key is refused.
create table signing_keys (
    kid text primary key,
    algorithm text not null default 'ES256' check (algorithm = 'ES256'),
    state text not null check (state in ('next', 'current', 'previous', 'retired')),
    public_jwk jsonb not null,
    mac bytea not null,
    private_sealed bytea,
    private_nonce bytea,
    created_at timestamptz not null default now(),
    activated_at timestamptz,
    deactivated_at timestamptz,
    retired_at timestamptz,
    check ((state in ('next', 'current')) = (private_sealed is not null)),
    check (state not in ('previous', 'retired') or deactivated_at is not null)
);

-- At most one key signs, and at most one waits to.
create unique index signing_keys_one_current on signing_keys (state) where state = 'current';
create unique index signing_keys_one_next on signing_keys (state) where state = 'next';

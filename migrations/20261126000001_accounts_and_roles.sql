-- Accounts, the three roles of the tutorial, and which account holds which role.

-- The one list of roles; the Rust enum `app::roles::Role` maps onto it.
create type user_role as enum ('user', 'pm', 'admin');

create table roles (
    id   smallint  primary key,
    name user_role not null unique
);

insert into roles (id, name) values (1, 'user'), (2, 'pm'), (3, 'admin');

create table users (
    id            uuid        primary key default gen_random_uuid(),
    -- Display name, 1 to 100 characters (checked in Rust too, with a friendlier message).
    name          text        not null check (char_length(name) between 1 and 100),
    -- Login name; case is kept for display but ignored for uniqueness and sign-in.
    username      text        not null check (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
    email         text        not null check (char_length(email) <= 254 and position('@' in email) > 1),
    -- bcrypt hash ($2b$...); the plain password is never stored.
    password_hash text        not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

-- Uniqueness ignores case and is enforced here, so two concurrent sign-ups cannot both win.
-- The index names are matched in Rust to tell a taken username from a taken email.
create unique index users_username_key on users (lower(username));
create unique index users_email_key on users (lower(email));

create table user_roles (
    user_id uuid     not null references users (id) on delete cascade,
    role_id smallint not null references roles (id),
    primary key (user_id, role_id)
);

create index user_roles_role_id_idx on user_roles (role_id);

-- Every account holds at least one role. Checked at commit (deferred), so a sign-up can insert
-- the user and then its roles in one transaction, but can never commit a user without roles.
create function ensure_user_has_role() returns trigger
language plpgsql as $$
declare
    subject uuid;
begin
    -- Each trigger has its own row type: `new` is a users row, `old` a user_roles row.
    if tg_table_name = 'users' then
        subject := new.id;
    else
        subject := old.user_id;
    end if;
    if exists (select 1 from users where id = subject)
       and not exists (select 1 from user_roles where user_id = subject) then
        raise exception 'user % has no role', subject
            using errcode = 'check_violation', constraint = 'users_have_a_role';
    end if;
    return null;
end;
$$;

create constraint trigger users_have_a_role
    after insert on users
    deferrable initially deferred
    for each row execute function ensure_user_has_role();

create constraint trigger user_roles_keep_one
    after delete on user_roles
    deferrable initially deferred
    for each row execute function ensure_user_has_role();

import type { MigrationFile } from './migration.js';

// Access control and the deployment domain. Expand-only: version-1 nodes keep working beside it
// (they ignore the new tables, and api_keys.user_id is nullable: a key without a user is a legacy
// administrator key).
export const migration: MigrationFile = {
  kind: 'expand',
  release: '0.1.0',
  sql: `
create table users (
  id uuid primary key default gen_random_uuid(),
  username text not null unique check (username = lower(username)),
  password_hash text not null,
  role text not null check (role in ('administrator', 'deployer', 'viewer')),
  disabled boolean not null default false,
  created_at timestamptz not null default now()
);

alter table api_keys add column user_id uuid references users (id) on delete cascade;
create index api_keys_user on api_keys (user_id);

-- Server-side sessions: any node accepts any session. Only an HMAC of the token (keyed by the
-- master key) is stored, so neither a database dump nor a guess yields a working cookie.
create table sessions (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_user on sessions (user_id);

-- Failed sign-ins, counted over a window on the database clock so the limit holds across nodes.
create table login_failures (
  username text not null,
  at timestamptz not null default now()
);
create index login_failures_user_at on login_failures (username, at);

create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  target text,
  details jsonb not null default '{}'
);
create index audit_log_at on audit_log (at);

create table projects (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  description text not null default '',
  process jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table environments (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  sort_order int not null default 0,
  created_at timestamptz not null default now()
);

create table targets (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  environment_id uuid not null references environments (id) on delete cascade,
  kind text not null check (kind in ('ssh', 'node')),
  roles text[] not null default '{}',
  deploy_root text not null,
  host text,
  port int,
  username text,
  auth_kind text check (auth_kind in ('key', 'password')),
  -- The private key or password, AES-256-GCM under the master key.
  auth_secret text,
  host_key_fingerprint text,
  health jsonb,
  created_at timestamptz not null default now()
);

create table variables (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  environment_id uuid references environments (id) on delete cascade,
  name text not null,
  sensitive boolean not null default false,
  -- Clear text for ordinary values; AES-256-GCM under the master key for sensitive ones.
  value text not null
);
-- One value per name and scope (no environment = every environment); works on PostgreSQL 14.
create unique index variables_scope on variables
  (project_id, name, coalesce(environment_id, '00000000-0000-0000-0000-000000000000'::uuid));

create table packages (
  package_id text not null,
  version text not null,
  format text not null check (format in ('zip', 'tar.gz')),
  size_bytes bigint not null,
  sha256 text not null,
  uploaded_at timestamptz not null default now(),
  uploaded_by text not null,
  primary key (package_id, version)
);

create table releases (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  version text not null,
  notes text not null default '',
  -- Snapshots taken at creation: a release deploys the same way forever.
  process jsonb not null,
  packages jsonb not null default '{}',
  created_at timestamptz not null default now(),
  created_by text not null,
  unique (project_id, version)
);

create function flotilla_releases_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'releases are immutable: create a new release instead' using errcode = 'P0001';
end $$;
create trigger releases_immutable before update on releases
  for each row execute function flotilla_releases_immutable();

create table deployments (
  id uuid primary key default gen_random_uuid(),
  release_id uuid not null references releases (id) on delete cascade,
  environment_id uuid not null references environments (id) on delete cascade,
  task_id bigint not null references tasks (id) on delete cascade,
  created_at timestamptz not null default now(),
  created_by text not null
);
create index deployments_release on deployments (release_id);
create index deployments_env on deployments (environment_id, created_at desc);

-- One row each time a step starts on a target: which node ran it, in which attempt, how it ended.
create table deployment_steps (
  id bigserial primary key,
  deployment_id uuid not null references deployments (id) on delete cascade,
  step_index int not null,
  step_name text not null,
  target text not null,
  node text not null,
  attempt int not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text not null default 'running'
);
create index deployment_steps_deployment on deployment_steps (deployment_id, id);

-- Cluster-wide schedules for singleton tasks: the leader claims a due slot with one conditional update.
create table schedules (
  name text primary key,
  every_ms bigint not null check (every_ms >= 1000),
  next_run_at timestamptz not null,
  settings jsonb not null default '{}'
);
-- At most one retention task queued or running, whoever queues it (schedule or an administrator).
create unique index tasks_one_retention on tasks (kind) where kind = 'retention' and state in ('queued', 'executing');

insert into schedules (name, every_ms, next_run_at, settings)
values ('retention', 3600000, now() + interval '1 hour',
        '{"keepReleasesPerProject": 20, "taskLogDays": 30}');
`,
};

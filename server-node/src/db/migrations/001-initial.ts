import type { MigrationFile } from './migration.js';

// The first schema: cluster row, nodes, task queue, attempts, events, leader lease, API keys.
// Later migrations are expand/contract so version N and N-1 can run side by side.
export const migration: MigrationFile = {
  kind: 'expand',
  release: '0.1.0',
  sql: `
create table cluster (
  id int primary key default 1 check (id = 1),
  cluster_id uuid not null,
  shared_dir text not null,
  master_key_check text not null,
  paused boolean not null default false,
  settings jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create table nodes (
  name text primary key,
  url text not null,
  version text not null,
  task_cap int not null default 5 check (task_cap >= 0),
  draining boolean not null default false,
  started_at timestamptz not null default now(),
  last_seen timestamptz not null default now(),
  stopped_at timestamptz,
  rss_bytes bigint not null default 0,
  cpu real not null default 0,
  reported_state text not null default 'running'
);

create table tasks (
  id bigserial primary key,
  kind text not null,
  args jsonb not null default '{}',
  description text,
  state text not null default 'queued'
    check (state in ('queued', 'executing', 'succeeded', 'failed', 'canceled')),
  node text,
  lease_id uuid,
  attempts int not null default 0,
  max_attempts int not null default 3,
  checkpoint jsonb,
  cancel_requested boolean not null default false,
  queued_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  error text
);
create index tasks_queued on tasks (id) where state = 'queued';
create index tasks_executing on tasks (node) where state = 'executing';
create index tasks_state_id on tasks (state, id);

create table task_attempts (
  task_id bigint not null references tasks (id) on delete cascade,
  attempt int not null,
  node text not null,
  lease_id uuid not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text not null default 'running',
  note text,
  primary key (task_id, attempt)
);

create table events (
  seq bigserial primary key,
  at timestamptz not null default now(),
  type text not null,
  data jsonb not null default '{}'
);

create table leader_lease (
  name text primary key,
  holder text not null,
  expires_at timestamptz not null
);

create table api_keys (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  key_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);

-- The one definition of a node's state, on the database clock, with the cluster's thresholds.
create view node_status as
select n.*,
  (extract(epoch from (now() - n.last_seen)) * 1000)::bigint as last_seen_age_ms,
  case
    when n.stopped_at is not null then 'offline'
    when n.last_seen < now() - (c.settings->>'deadAfterMs')::int * interval '1 millisecond' then 'dead'
    when n.last_seen < now() - (c.settings->>'offlineAfterMs')::int * interval '1 millisecond' then 'offline'
    when n.draining then 'draining'
    else 'running'
  end as state
from nodes n cross join cluster c;

-- Events carry no NOTIFY: a transaction that notifies takes a cluster-wide lock at commit, and with
-- claims and completions all writing events that serialised every commit (bench:dispatch measured
-- a third of the throughput lost). Event streams poll the table instead (http/event-stream.ts).

-- Wake idle nodes the moment a task becomes claimable. PostgreSQL folds identical notifications
-- of one transaction into one, so a batch of new tasks costs one wake-up.
create function flotilla_notify_tasks() returns trigger language plpgsql as $$
begin
  perform pg_notify('flotilla_tasks', '');
  return null;
end $$;
create trigger tasks_insert_notify after insert on tasks
  for each row when (new.state = 'queued') execute function flotilla_notify_tasks();
create trigger tasks_requeue_notify after update of state on tasks
  for each row when (new.state = 'queued' and old.state <> 'queued') execute function flotilla_notify_tasks();

`,
};

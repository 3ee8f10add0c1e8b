import type {
  BalancerAdminState,
  BalancerCheckStatus,
  BalancerServerDto,
  BalancerStatsDto,
} from '@flotilla/server-node/api';

/** `show stat` CSV as records keyed by its header (`# pxname,svname,…`). */
export function parseShowStat(csv: string): Record<string, string>[] {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines[0];
  if (!header?.startsWith('# ')) throw new Error(`not "show stat" output: ${csv.slice(0, 200)}`);
  const columns = header.slice(2).split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
  });
}

/**
 * Server admin flags from `show servers state`: `show stat` says DOWN for a drained server that is
 * down, and the console must still show that the admin drained it.
 */
export function parseServersState(text: string): Map<string, number> {
  const flags = new Map<string, number>();
  const lines = text.split('\n');
  const header = lines.find((line) => line.startsWith('# be_id'));
  if (!header) return flags;
  const columns = header.slice(2).split(' ');
  const nameAt = columns.indexOf('srv_name');
  const adminAt = columns.indexOf('srv_admin_state');
  for (const line of lines) {
    if (line.startsWith('#') || !line.trim()) continue;
    const cells = line.split(' ');
    const name = cells[nameAt];
    const admin = Number(cells[adminAt]);
    if (name !== undefined && Number.isInteger(admin)) flags.set(name, admin);
  }
  return flags;
}

// srv_admin_state bits (management guide, "show servers state").
const MAINT = 0x01 | 0x02 | 0x04 | 0x20;
const DRAIN = 0x08 | 0x10;

function adminState(row: Record<string, string>, flags: number | undefined): BalancerAdminState {
  if (flags !== undefined) {
    if (flags & MAINT) return 'maint';
    if (flags & DRAIN) return 'drain';
  }
  const status = row.status ?? '';
  if (status.startsWith('MAINT')) return 'maint';
  // `set weight 0` is a drain by another name.
  if (status.startsWith('DRAIN') || row.weight === '0') return 'drain';
  return 'ready';
}

// A check result that is not a failure: passed at layer 4/6/7, or not run yet.
const CHECK_PASSED = new Set(['', 'INI', 'L4OK', 'L6OK', 'L7OK', 'L7OKC']);

/**
 * HAProxy's status column: UP, DOWN, "UP 1/2", "DOWN 1/2", no check… "UP 1/2" also shows right after
 * start or leaving maintenance, before a check confirmed it: it is going down only if the last check
 * failed.
 */
function checkStatus(status: string, lastCheck: string): BalancerCheckStatus {
  if (/^UP \d+\/\d+/.test(status)) return CHECK_PASSED.has(lastCheck) ? 'up' : 'going-down';
  if (/^DOWN \d+\/\d+/.test(status)) return 'going-up';
  if (status.startsWith('UP') || status.startsWith('DRAIN') || status === 'NOLB') return 'up';
  if (status.startsWith('DOWN')) return 'down';
  // MAINT: HAProxy stops checking a server in maintenance; "no check": it never does.
  return 'unchecked';
}

const count = (value: string | undefined): number => (value ? Number(value) : 0);
/** The first column HAProxy filled in (an empty cell means "not measured for this row type"). */
const firstOf = (...values: (string | undefined)[]): string | undefined => values.find((value) => value);

/** The balancer state model from `show stat` (and, when given, `show servers state`) of one backend. */
export function toBalancerStats(
  backend: string,
  statCsv: string,
  serversState = '',
  at = new Date(),
): BalancerStatsDto {
  const flags = parseServersState(serversState);
  const servers: BalancerServerDto[] = parseShowStat(statCsv)
    // type 2 = server (0 frontend, 1 backend, 3 listener)
    .filter((row) => row.pxname === backend && row.type === '2')
    .map((row) => ({
      name: row.svname ?? '',
      address: row.addr ?? '',
      adminState: adminState(row, flags.get(row.svname ?? '')),
      checkStatus: checkStatus(row.status ?? '', (row.check_status ?? '').replace(/^\* /, '')),
      currentSessions: count(row.scur),
      // HAProxy 2.6 leaves req_rate empty for servers (and older ones req_tot): fall back to sessions.
      requestRate: count(firstOf(row.req_rate, row.rate)),
      totalRequests: count(firstOf(row.req_tot, row.stot)),
      bytesIn: count(row.bin),
      bytesOut: count(row.bout),
      lastChangeSeconds: row.lastchg ? Number(row.lastchg) : null,
    }));
  return { kind: 'haproxy', backend, servers, at: at.toISOString() };
}

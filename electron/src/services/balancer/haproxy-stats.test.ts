import { describe, expect, it } from 'vitest';
import { parseShowProc } from './haproxy-master.js';
import { toBalancerStats } from './haproxy-stats.js';

// Captured from HAProxy 2.6.12 (`show stat be 4 -1`, trimmed to the columns that matter after `addr`).
const HEADER =
  '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr';
const row = (
  name: string,
  status: string,
  weight: string,
  check: string,
  counters: { scur?: string; stot?: string; reqTot?: string; rate?: string } = {},
) => {
  const { scur = '0', stot = '0', rate = '0' } = counters;
  const reqTot = counters.reqTot ?? stot;
  return `be,${name},0,0,${scur},0,,${stot},100,2000,,0,,0,0,0,0,${status},${weight},1,0,0,0,7,0,,1,3,1,,0,,2,${rate},,0,${check},200,0,0,0,0,0,0,0,0,,,${reqTot},0,0,,,,,-1,,,0,0,0,0,,,,Layer7 check passed,,2,2,3,,,,127.0.0.1:500${name.length}`;
};

describe('HAProxy Runtime API output to the balancer state model', () => {
  it('maps status, weight and admin flags to admin state and check status', () => {
    const csv = [
      HEADER,
      row('a', 'UP', '1', 'L7OK', { scur: '3', stot: '100', reqTot: '120', rate: '7' }),
      // No req_tot (older HAProxy): sessions instead.
      row('a2', 'UP', '1', 'L7OK', { stot: '42', reqTot: '' }),
      row('bb', 'DRAIN', '1', 'L7OK'),
      row('ccc', 'MAINT', '1', ''),
      row('dddd', 'UP 1/2', '1', 'L4CON'),
      row('eeeee', 'UP 1/2', '1', '* INI'),
      row('ffffff', 'DOWN 1/2', '1', 'L7OK'),
      row('ggggggg', 'DOWN', '1', 'L4CON'),
      row('hhhhhhhh', 'no check', '0', ''),
      'other,x,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1,1,0,0,0,2,0,,1,3,1,,0,,2,0,,0,L7OK',
      '',
    ].join('\n');
    // ggggggg: drained by the admin, then down; `show stat` alone would only say DOWN.
    const serversState = [
      '1',
      '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight',
      '3 be 7 ggggggg 127.0.0.1 0 8 1',
      '3 be 3 ccc 127.0.0.1 0 1 1',
    ].join('\n');
    const stats = toBalancerStats('be', csv, serversState, new Date('2026-01-01T00:00:00Z'));
    expect(stats.kind).toBe('haproxy');
    expect(stats.at).toBe('2026-01-01T00:00:00.000Z');
    expect(stats.servers.map((s) => [s.name, s.adminState, s.checkStatus])).toEqual([
      ['a', 'ready', 'up'],
      ['a2', 'ready', 'up'],
      ['bb', 'drain', 'up'],
      ['ccc', 'maint', 'unchecked'],
      ['dddd', 'ready', 'going-down'],
      ['eeeee', 'ready', 'up'],
      ['ffffff', 'ready', 'going-up'],
      ['ggggggg', 'drain', 'down'],
      ['hhhhhhhh', 'drain', 'unchecked'],
    ]);
    expect(stats.servers[0]).toEqual({
      name: 'a',
      address: '127.0.0.1:5001',
      adminState: 'ready',
      checkStatus: 'up',
      currentSessions: 3,
      requestRate: 7,
      totalRequests: 120,
      bytesIn: 100,
      bytesOut: 2000,
      lastChangeSeconds: 7,
    });
    expect(stats.servers[1]?.totalRequests).toBe(42);
  });

  it('reads the master, its reload counters and the current workers from show proc', () => {
    const text = [
      '#<PID>          <type>          <reloads>       <uptime>        <version>',
      '18684           master          2 [failed: 1]   0d00h00m26s     2.6.12-1+deb12u4',
      '# workers',
      '18935           worker          1               0d00h00m00s     2.6.12-1+deb12u4',
      '# old workers',
      '18687           worker          2               0d00h00m43s     2.6.12-1+deb12u4',
      '# programs',
      '',
    ].join('\n');
    expect(parseShowProc(text)).toEqual({
      masterPid: 18684,
      reloads: 2,
      failedReloads: 1,
      workers: [{ pid: 18935, reloads: 1 }],
    });
  });
});

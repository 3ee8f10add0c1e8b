import { describe, expect, it } from 'vitest';
import { throttleAddress } from './login-rate-limit.js';

describe('throttleAddress', () => {
  it('counts IPv4 clients by their address, mapped or not', () => {
    expect(throttleAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 clients by their /64, however the address is written', () => {
    const prefix = '2001:db8:1:2::/64';
    expect(throttleAddress('2001:db8:1:2::1')).toBe(prefix);
    expect(throttleAddress('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe(prefix);
    expect(throttleAddress('2001:DB8:1:2:0:0:0:9')).toBe(prefix);
    expect(throttleAddress('2001:db8:1:3::1')).not.toBe(prefix);
    expect(throttleAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('::1')).toBe('0:0:0:0::/64');
    expect(throttleAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

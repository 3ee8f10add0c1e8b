import { describe, expect, it } from 'vitest';
import { MaskingLog } from './masking-log.js';

function capture(secrets: string[]): { log: MaskingLog; text: () => string } {
  const written: string[] = [];
  const log = new MaskingLog({ write: (text) => written.push(text.toString()) }, secrets);
  return { log, text: () => written.join('') };
}

describe('the masking log', () => {
  it('masks a secret cut across chunks while the other stream writes in between', () => {
    const { log, text } = capture(['s3cr3t-Value-42!']);
    log.write('token=s3cr', 'stdout');
    log.write('progress 50%\n', 'stderr');
    log.write('3t-Value-42!\n', 'stdout');
    log.flush();
    expect(text()).toBe('progress 50%\ntoken=********\n');
  });

  it('masks every line of a multi-line secret written one line at a time, on either stream', () => {
    const secret = [
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      'second+line/of==base64',
      '-----END PRIVATE KEY-----',
    ];
    const { log, text } = capture([secret.join('\n')]);
    secret.forEach((line, i) => {
      log.write(`${line}\n`, i % 2 === 0 ? 'stdout' : 'stderr');
      // Nothing leaks even while the rest of the secret has not come yet.
      for (const part of secret) expect(text()).not.toContain(part);
    });
    log.write(`all at once: ${secret.join('\n')}\n`, 'stdout');
    log.flush();
    expect(text()).toBe('********\n'.repeat(4) + 'all at once: ********\n');
  });

  it('keeps a secret whole when a very long line is written out before its end', () => {
    const { log, text } = capture(['long-line-secret-value']);
    log.write('x'.repeat(70_000) + 'long-line-se', 'stdout');
    log.write('cret-value and more\n', 'stdout');
    log.flush();
    expect(text().replace(/^x{70000}/, '<70000 x>')).toBe('<70000 x>******** and more\n');
  });

  it('masks a unicode secret whose bytes arrive cut in the middle of a character', () => {
    const secret = 'pässwört-✓-密码';
    const { log, text } = capture([secret]);
    const bytes = Buffer.from(`key: ${secret}\nagain: ${secret}\n`);
    const inA = bytes.indexOf(Buffer.from('ä')) + 1;
    const inMi = bytes.indexOf(Buffer.from('密')) + 2;
    log.write(bytes.subarray(0, inA), 'stdout');
    log.write(bytes.subarray(inA, inMi), 'stdout');
    log.write(bytes.subarray(inMi), 'stdout');
    log.flush();
    expect(text()).toBe('key: ********\nagain: ********\n');
  });

  it('masks values with quotes, dollars, backticks and regular expression characters literally', () => {
    const secrets = [`a'b"c$HOME\`id\`$(id)`, '(.*)[x]+?\\d{2}$&', 'ünïcødé ’smart’ \t tab'];
    const { log, text } = capture(secrets);
    for (const secret of secrets) log.write(`v=${secret};\n`, 'stderr');
    expect(text()).toBe('v=********;\n'.repeat(3));
    expect(log.mask(`error: ${secrets[1]}`)).toBe('error: ********');
  });

  it('leaves very short lines of a multi-line secret alone, masking them within the whole secret', () => {
    const secret = '{\n  "password": "hunter2-long"\n}';
    const { log, text } = capture([secret]);
    log.write(`${secret}\n`, 'stdout');
    log.write('{\n  "password": "hunter2-long",\n  "user": "x"\n}\n', 'stdout');
    expect(text()).toBe('********\n{\n  ********,\n  "user": "x"\n}\n');
  });

  it('writes what each stream held back on a line of its own, before a line of its own', () => {
    const { log, text } = capture(['s3cr3t']);
    log.write('partial out s3c', 'stdout');
    log.write('partial err', 'stderr');
    log.write('r3t', 'stdout');
    log.line('Step finished (s3cr3t)');
    expect(text()).toBe('partial out ********\npartial err\nStep finished (********)\n');
  });
});

import { it } from 'vitest';
import { TestStandalone } from '../test-support/standalone.js';

it('setup timing', async () => {
  const s = new TestStandalone();
  let t = Date.now();
  const lap = (what: string) => { console.log(what, Date.now() - t); t = Date.now(); };
  await s.create(); lap('create');
  await s.start(); lap('start');
  await s.seed({ deployment: false }); lap('seed');
  await s.stop(); lap('stop');
  await s.fingerprint(); lap('fingerprint');
  await s.destroy(); lap('destroy');
}, 300_000);

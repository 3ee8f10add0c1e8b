/** Memory and CPU of this process since the previous call, for the heartbeat row and the console. */
export function createProcessStats(): () => { rssBytes: number; cpu: number } {
  let lastUsage = process.cpuUsage();
  let lastTime = process.hrtime.bigint();
  return () => {
    const usage = process.cpuUsage();
    const time = process.hrtime.bigint();
    const elapsedMicros = Number(time - lastTime) / 1000;
    const usedMicros = usage.user - lastUsage.user + (usage.system - lastUsage.system);
    lastUsage = usage;
    lastTime = time;
    return { rssBytes: process.memoryUsage.rss(), cpu: elapsedMicros > 0 ? usedMicros / elapsedMicros : 0 };
  };
}

// The portal's only stylesheet and script, served by every node (no build step, no CDN).

export const PORTAL_CSS = `
:root { color-scheme: light dark; --accent: #2563eb; --muted: #6b7280; --ok: #15803d; --bad: #b91c1c; --run: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; display: flex; flex-direction: column; min-height: 100vh; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: Canvas; padding: 4px 8px; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid #8884; }
header nav { display: flex; gap: 1rem; flex: 1; }
header form { margin: 0; }
main { flex: 1; padding: 1rem 1.2rem; max-width: 1200px; width: 100%; }
footer { padding: .5rem 1.2rem; color: var(--muted); border-top: 1px solid #8884; font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #8883; vertical-align: top; }
.state { font-weight: 600; } .state-succeeded { color: var(--ok); } .state-failed, .state-canceled { color: var(--bad); }
.state-executing, .state-queued { color: var(--run); }
pre.log { background: #0002; padding: .8rem; overflow: auto; max-height: 70vh; white-space: pre-wrap; font-size: 13px; }
.error { color: var(--bad); font-weight: 600; } .hint { color: var(--muted); }
form.inline { display: inline-flex; gap: .4rem; align-items: center; margin: 0; }
label { display: block; margin: .4rem 0 .1rem; } input, select, button { font: inherit; padding: .25rem .5rem; }
.login { max-width: 340px; margin: 3rem auto; }
.banner { padding: .6rem 1.2rem; background: #f59e0b33; border-bottom: 1px solid #f59e0b; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

export const PORTAL_JS = `
(() => {
  const pre = document.getElementById('log');
  if (!pre) return;
  const id = pre.dataset.task;
  const stateEl = document.getElementById('task-state');
  const terminal = ['succeeded', 'failed', 'canceled'];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const stick = () => { pre.scrollTop = pre.scrollHeight; };
  async function taskState() {
    const response = await fetch('/api/tasks/' + id, { credentials: 'same-origin' });
    if (response.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); return null; }
    return (await response.json()).state;
  }
  // Follows the log through whichever node the balancer picks; if that node dies mid-stream, the
  // next one sends the whole log again, so the text is replaced, never duplicated.
  async function follow() {
    for (;;) {
      try {
        const response = await fetch('/api/tasks/' + id + '/log?follow=1', { credentials: 'same-origin' });
        if (response.status === 401) { location.href = '/login?next=' + encodeURIComponent(location.pathname); return; }
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let text = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          pre.textContent = text;
          stick();
        }
      } catch (error) {
        // The node went away; try again below.
      }
      const state = await taskState().catch(() => null);
      if (state && stateEl) { stateEl.textContent = state; stateEl.className = 'state state-' + state; }
      if (state && terminal.includes(state)) { pre.dataset.done = 'true'; return; }
      await sleep(1000);
    }
  }
  void follow();
})();
`;

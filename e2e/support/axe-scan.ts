import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults } from 'axe-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA, plus best practices) on what the page shows now and returns the
 * serious and critical findings: the ones a keyboard or screen-reader user trips over.
 */
export async function seriousAxeFindings(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the browser's debugging protocol: the console's CSP (rightly) refuses inline scripts.
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(options: object): Promise<AxeResults> } }).axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      targets: violation.nodes
        .filter((node) => !tabsterFocusGuard(violation.id, node.html))
        .map((node) => node.target.join(' ')),
    }))
    .filter((finding) => finding.targets.length > 0);
}

/**
 * Fluent UI's keyboard navigation (tabster) puts an invisible `<i tabindex=0 aria-hidden data-tabster-dummy>`
 * at each end of a tab list, toolbar or toaster: it takes focus only to pass it on at once, and is hidden
 * from screen readers on purpose so they do not announce it. axe's aria-hidden-focus rule cannot know that;
 * accessibility scanners from the same vendor exclude exactly these elements, and so do we — only these.
 */
function tabsterFocusGuard(rule: string, html: string): boolean {
  return rule === 'aria-hidden-focus' && /^<i [^>]*data-tabster-dummy=/.test(html);
}

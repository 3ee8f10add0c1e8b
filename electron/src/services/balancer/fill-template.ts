/**
 * Fills a resources/ template: `{{name}}` is replaced by a value, and a block from a line `{{#name}}`
 * to a line `{{/name}}` is kept only when `name` has a value. A placeholder without a value is an
 * error, so a template and its renderer cannot drift apart silently.
 */
export function fillTemplate(template: string, values: Record<string, string | null>): string {
  const valueOf = (name: string): string | null => {
    if (!(name in values)) throw new Error(`template placeholder {{${name}}} has no value`);
    return values[name] ?? null;
  };
  return template
    .replace(/^\{\{#(\w+)\}\}\n([\s\S]*?)^\{\{\/\1\}\}\n/gm, (_block, name: string, body: string) =>
      valueOf(name) === null ? '' : body,
    )
    .replace(/\{\{(\w+)\}\}/g, (_placeholder, name: string) => {
      const value = valueOf(name);
      if (value === null) throw new Error(`template placeholder {{${name}}} is used outside its block`);
      return value;
    });
}

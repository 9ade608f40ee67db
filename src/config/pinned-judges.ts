/**
 * Whether a model name pins one fixed model: it carries a date (`gpt-4o-2024-08-06`,
 * `claude-3-5-sonnet-20241022`, `gpt-4-0613`, `mistral-large-2407`) or an explicit version (`-v1`, `@001`,
 * `gemini-1.5-pro-002`, a `@sha256:` digest), and is not a moving alias (`…latest`).
 * An unpinned judge can change under you and shift every verdict; a score series would then
 * drift with no change in the agent.
 */
export function isPinnedModel(name: string): boolean {
  const n = name.trim().toLowerCase();
  if (n === "" || /latest/.test(n)) return false;
  const last = n.split("/").at(-1)!;
  const date = /(?:^|[^0-9])(?:19|20)\d{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])(?![0-9])/.test(last);
  // `gpt-4-0613` (month and day) and `mistral-large-2407` (year and month).
  const mmdd = /[-_@](?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$/.test(last) || /[-_@]2\d(?:0[1-9]|1[0-2])$/.test(last);
  const version = /(?:^|[-_:@.])v\d+(?:[.:-]\d+)*(?:$|[-_:@])/.test(last) || /[-@]\d{3}$/.test(last) || /@sha256:[0-9a-f]{16,}$/.test(last);
  return date || mmdd || version;
}

/** The config error message for an unpinned judge model. */
export const unpinnedMessage = (name: string) =>
  `judge model "${name}" is not pinned: name a dated snapshot or a version (e.g. gpt-4o-2024-08-06, ` +
  `claude-3-5-sonnet-20241022, gemini-1.5-pro-002); names without one, or ending in "latest", can change under you and shift every verdict`;

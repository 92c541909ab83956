/**
 * Colour for the text reports on a terminal: the diff (`diff`, `diff --live`) and the sync and
 * drift reports (`sync`, `status --live`). The renderers write plain text; this paints it line by
 * line, so what a pipe or a file receives is byte for byte the plain text. The caller decides
 * whether to paint (`wantsColour`): only on a terminal, never with `NO_COLOR` or `--no-color`.
 * Findings have their own colours (render/diagnostics.ts).
 */

/** The terminal's SGR codes the reports and the findings (render/diagnostics.ts) use. */
export const ANSI = {
  RESET: '\u001b[0m',
  RED: '\u001b[31m',
  GREEN: '\u001b[32m',
  YELLOW: '\u001b[33m',
  CYAN: '\u001b[36m',
  BOLD: '\u001b[1m',
  DIM: '\u001b[2m',
} as const;
const { RESET, RED, GREEN, YELLOW, CYAN, BOLD, DIM } = ANSI;

const paint = (code: string, text: string): string => `${code}${text}${RESET}`;

/** Whether output to `stream` is painted: a terminal, and neither `NO_COLOR` (any value) nor `--no-color`. */
export function wantsColour(stream: { readonly isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>, argv: readonly string[]): boolean {
  return stream.isTTY === true && env['NO_COLOR'] === undefined && !argv.includes('--no-color');
}

/** Statuses of targets, as the sync and drift reports write them. */
const GOOD = /\b(applied|in sync)\b/;
const BAD = /\b(failed|unreachable|interrupted|drifted|mixed)\b/;
const HALT = /\b(skipped)\b/;

/**
 * Paints a report: added lines (`+`) green, removed (`-`) red, changed (`~`) yellow, hunk headers
 * cyan, group headings bold, `error:` lines red, `hint:` lines dim, target statuses by how they
 * went.
 */
export function colourReport(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const body = line.trimStart();
      if (body === '') return line;
      const lead = line.slice(0, line.length - body.length);
      if (body.startsWith('@@')) return lead + paint(CYAN, body);
      if (body.startsWith('+')) return lead + paint(GREEN, body);
      if (body.startsWith('-')) return lead + paint(RED, body);
      if (body.startsWith('~')) return lead + paint(YELLOW, body);
      if (body.startsWith('error:')) return lead + paint(RED, body);
      if (body.startsWith('hint:')) return lead + paint(DIM, body);
      if (lead === '' && /^[a-z0-9][a-z0-9-]*: /.test(body)) return paint(BOLD, body);
      for (const [pattern, code] of [
        [GOOD, GREEN],
        [BAD, RED],
        [HALT, YELLOW],
      ] as const) {
        if (pattern.test(body)) return lead + body.replace(pattern, (word) => paint(code, word));
      }
      return line;
    })
    .join('\n');
}

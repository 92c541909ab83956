/**
 * Durations as flags take them: a sequence of `<number><unit>` with units `ms`, `s`, `m`, `h`
 * (`30s`, `5m`, `1m30s`, `250ms`, `1.5h`), or a bare number of seconds. Returns milliseconds, or
 * null for anything else (negative, empty, unknown unit).
 */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | null {
  const input = text.trim();
  if (/^\d+(\.\d+)?$/.test(input)) return Math.round(Number(input) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < input.length) {
    part.lastIndex = at;
    const match = part.exec(input);
    if (match === null) return null;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
    at = part.lastIndex;
  }
  return at === 0 || !Number.isFinite(total) ? null : Math.round(total);
}

/** `90000` → `1m30s`, for logs and messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(seconds / size);
    if (n > 0) parts.push(`${n}${unit}`);
    seconds -= n * size;
  }
  return parts.join('');
}

import type { LiveSection } from '../../app/live.js';
import { driftJson } from './drift.js';

/** The `live` section of `status --live --format json` (and of `diff --live --format json`): secrets masked. */
export function liveJson(live: LiveSection): unknown {
  return {
    ok: live.ok,
    groups: live.groups.map((g) =>
      g.kind === 'findings'
        ? { group: g.group, kind: g.kind, ok: false, diagnostics: g.diagnostics }
        : { group: g.group, kind: g.kind, ok: g.ok, digest: g.snapshot.digest, report: driftJson(g.report), diagnostics: g.diagnostics },
    ),
  };
}

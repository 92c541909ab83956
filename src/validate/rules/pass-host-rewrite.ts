import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * `pass_host: rewrite` needs `upstream_host` (APISIX rejects it otherwise), and an
 * `upstream_host` without `pass_host: rewrite` is ignored by the gateway (TW3008).
 */
export const passHostRewrite: Rule = {
  name: 'pass-host-rewrite',
  scope: 'file',
  *check(ctx) {
    for (const t of ctx.templates) {
      const u = t.spec.upstream;
      if (u?.pass_host === 'rewrite' && u.upstream_host === undefined) {
        yield finding('TW3008', t.file, '/upstream/pass_host', '`pass_host: rewrite` needs `upstream_host`', {
          hint: 'Add `upstream_host:` with the Host header to send upstream, or use `pass_host: pass` or `node`.',
        });
      } else if (u?.upstream_host !== undefined && u.pass_host !== 'rewrite') {
        yield finding('TW3008', t.file, '/upstream/upstream_host', '`upstream_host` is only used with `pass_host: rewrite`', {
          severity: 'warning',
          key: true,
          hint: 'Add `pass_host: rewrite`, or remove `upstream_host`.',
        });
      }
    }
  },
};

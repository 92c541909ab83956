/**
 * Table tests of the SSL certificate rules (TW3035–TW3040) and of an SSL file's schema and
 * secrets: each case is a small repository whose certificates are made for the test, compiled at
 * a fixed time; the expected findings are `{code, file, line, column, severity}`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compile.js';
import { memoryInput } from './support/memory-repo.js';
import { makeCertificate, yamlBlock, type TestCertificate } from './support/certificates.js';

const DAY = 24 * 60 * 60 * 1000;
/** The compile's time in every case. */
const NOW = Date.parse('2030-01-15T00:00:00Z');
const at = (days: number) => new Date(NOW + days * DAY);

const WEB = 'name: web\nupstream:\n  nodes:\n    - host: 10.0.0.1\n      port: 80\nroutes:\n  - name: home\n    uris: [/]\n';
const GROUP = 'name: g\npublished:\n  web: 1.0.0\n';
const T = 'services/web/service.yaml';
const O = 'gateway-groups/g/services/web.yaml';
const S = (name: string) => `gateway-groups/g/ssls/${name}.yaml`;

interface Certificates {
  /** www.example.com, valid for a year around NOW. */
  readonly www: TestCertificate;
  /** *.example.com, valid for a year around NOW. */
  readonly wildcard: TestCertificate;
  /** Only a common name, www.example.com. */
  readonly cnOnly: TestCertificate;
  /** www.example.com, expired 3 days before NOW. */
  readonly expired: TestCertificate;
  /** www.example.com, expires 10 days after NOW. */
  readonly soon: TestCertificate;
}

let certs: Certificates;

beforeAll(async () => {
  const valid = { notBefore: at(-180), notAfter: at(180) };
  certs = {
    www: await makeCertificate({ names: ['www.example.com'], ...valid }),
    wildcard: await makeCertificate({ names: ['*.example.com'], ...valid }),
    cnOnly: await makeCertificate({ commonName: 'www.example.com', ...valid }),
    expired: await makeCertificate({ names: ['www.example.com'], notBefore: at(-400), notAfter: at(-3) }),
    soon: await makeCertificate({ names: ['www.example.com'], notBefore: at(-355), notAfter: at(10) }),
  };
});

/** An SSL file: its SNIs, its certificate written in it, its key by reference unless given. */
function ssl(snis: readonly string[], cert: TestCertificate, key = 'file:secrets/www.key', extra = ''): string {
  return `snis:\n${snis.map((s) => `  - ${JSON.stringify(s)}\n`).join('')}${yamlBlock('cert', cert.cert)}key: ${key}\n${extra}`;
}

interface Case {
  readonly name: string;
  readonly files: (c: Certificates) => Readonly<Record<string, string>>;
  /** The compile's time; default NOW, null: none. */
  readonly now?: number | null;
  readonly expected: readonly { code: string; file: string; line: number; column: number; severity: 'error' | 'warning' }[];
}

const CERT_LINE = 3; // `cert: |` after one SNI
const cases: Case[] = [
  { name: 'a valid certificate for its SNI, key by reference', files: (c) => ({ [S('www')]: ssl(['www.example.com'], c.www) }), expected: [] },
  {
    name: 'certificate and key both by reference: nothing to read at compile time',
    files: () => ({ [S('www')]: 'sni: www.example.com\ncert: file:certs/www.crt\nkey: env:WWW_KEY\n' }),
    expected: [],
  },
  {
    name: 'the same SNI in two SSLs of a group (TW3035), ignoring case, at the later file',
    files: (c) => ({ [S('a')]: ssl(['www.example.com'], c.www), [S('b')]: ssl(['api.example.com', 'WWW.example.com'], c.wildcard) }),
    expected: [{ code: 'TW3035', file: S('b'), line: 3, column: 5, severity: 'error' }],
  },
  {
    name: 'the same SNI in a server and a client SSL is no duplicate',
    files: (c) => ({ [S('a')]: ssl(['www.example.com'], c.www), [S('b')]: ssl(['www.example.com'], c.www, 'file:secrets/www.key', 'type: client\n') }),
    expected: [],
  },
  {
    name: 'an expired certificate (TW3036)',
    files: (c) => ({ [S('www')]: ssl(['www.example.com'], c.expired) }),
    expected: [{ code: 'TW3036', file: S('www'), line: CERT_LINE, column: 7, severity: 'error' }],
  },
  { name: 'no time given: dates are not checked', now: null, files: (c) => ({ [S('www')]: ssl(['www.example.com'], c.expired) }), expected: [] },
  {
    name: 'a certificate that expires within 30 days (TW3037)',
    files: (c) => ({ [S('www')]: ssl(['www.example.com'], c.soon) }),
    expected: [{ code: 'TW3037', file: S('www'), line: CERT_LINE, column: 7, severity: 'warning' }],
  },
  {
    name: 'expiry_warning_days of tagway.yaml moves the threshold',
    files: (c) => ({ 'tagway.yaml': 'certificates:\n  expiry_warning_days: 7\n', [S('www')]: ssl(['www.example.com'], c.soon) }),
    expected: [],
  },
  {
    name: 'an expiring certificate among certs (TW3037 at certs/0)',
    files: (c) => ({ [S('www')]: `${ssl(['www.example.com'], c.www)}certs:\n${yamlBlock('-', c.soon.cert, 2).replace('  -: |', '  - |')}keys:\n  - file:secrets/www-2.key\n` }),
    expected: [{ code: 'TW3037', file: S('www'), line: 15, column: 5, severity: 'warning' }],
  },
  {
    name: 'a certificate not valid for an SNI (TW3038)',
    files: (c) => ({ [S('www')]: ssl(['www.example.com', 'api.example.com'], c.www) }),
    expected: [{ code: 'TW3038', file: S('www'), line: 3, column: 5, severity: 'warning' }],
  },
  {
    name: 'a wildcard covers one label, not two nor the bare domain (TW3038)',
    files: (c) => ({ [S('www')]: ssl(['www.example.com', 'a.b.example.com', 'example.com'], c.wildcard) }),
    expected: [
      { code: 'TW3038', file: S('www'), line: 3, column: 5, severity: 'warning' },
      { code: 'TW3038', file: S('www'), line: 4, column: 5, severity: 'warning' },
    ],
  },
  {
    name: 'a wildcard SNI needs the wildcard in the certificate (TW3038)',
    files: (c) => ({ [S('a')]: ssl(['*.example.com'], c.wildcard), [S('b')]: ssl(['*.example.com'], c.www).replace('*.example.com', '*.example.org') }),
    expected: [{ code: 'TW3038', file: S('b'), line: 2, column: 5, severity: 'warning' }],
  },
  { name: 'a common name without subjectAltName covers its SNI', files: (c) => ({ [S('www')]: ssl(['www.example.com'], c.cnOnly) }), expected: [] },
  {
    name: 'a literal key is refused (TW3022), without the key in the message',
    files: (c) => ({ [S('www')]: ssl(['www.example.com'], c.www, '|\n' + c.www.key.trimEnd().replace(/^/gm, '  ')) }),
    expected: [{ code: 'TW3022', file: S('www'), line: 13, column: 6, severity: 'error' }],
  },
  {
    name: "with literal_secrets: warn, a literal key that is not the certificate's (TW3039)",
    files: (c) => ({ 'tagway.yaml': 'literal_secrets: warn\n', [S('www')]: ssl(['www.example.com'], c.www, '|\n' + c.wildcard.key.trimEnd().replace(/^/gm, '  ')) }),
    expected: [
      { code: 'TW3022', file: S('www'), line: 13, column: 6, severity: 'warning' },
      { code: 'TW3039', file: S('www'), line: 13, column: 6, severity: 'error' },
    ],
  },
  {
    name: 'a server SSL without SNIs (schema)',
    files: () => ({ [S('www')]: 'cert: file:certs/www.crt\nkey: env:WWW_KEY\n' }),
    expected: [{ code: 'TW2002', file: S('www'), line: 1, column: 1, severity: 'error' }],
  },
  {
    name: 'a service host no certificate of a TLS group covers (TW3040), in the overlay',
    files: (c) => ({ [S('www')]: ssl(['www.example.com'], c.www), [O]: 'hosts: [www.example.com, api.example.com]\n' }),
    expected: [{ code: 'TW3040', file: O, line: 1, column: 26, severity: 'warning' }],
  },
  {
    name: "a route's own host no certificate covers (TW3040), in the template",
    files: (c) => ({ [S('www')]: ssl(['*.example.com'], c.wildcard), [T]: `${WEB}    hosts: [a.example.com, example.com]\n` }),
    expected: [{ code: 'TW3040', file: T, line: 9, column: 28, severity: 'warning' }],
  },
  {
    name: 'a group with client certificates only does not terminate TLS: hosts are not checked',
    files: (c) => ({ [S('mtls')]: `type: client\n${yamlBlock('cert', c.www.cert)}key: env:MTLS_KEY\n`, [O]: 'hosts: [api.example.com]\n' }),
    expected: [],
  },
];

function run(c: Case) {
  const files: Record<string, string> = { [T]: WEB, 'gateway-groups/g/group.yaml': GROUP, ...c.files(certs) };
  const input = memoryInput({ files, tags: { 'web/v1.0.0': files[T]! } });
  return compile(c.now === null ? input : { ...input, now: c.now ?? NOW });
}

describe('SSL certificate rules', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { diagnostics } = run(c);
      const got = diagnostics.map((d) => ({ code: d.code, file: d.file, line: d.line, column: d.column, severity: d.severity }));
      expect(got).toEqual(c.expected);
    });
  }

  it('points a duplicate SNI at both SSLs', () => {
    const { diagnostics } = run(cases.find((c) => c.name.startsWith('the same SNI in two'))!);
    expect(diagnostics[0]!.related).toEqual([expect.objectContaining({ file: S('a'), line: 2, column: 5 })]);
  });

  it('never puts a private key in a finding', () => {
    for (const c of cases) {
      const text = JSON.stringify(run(c).diagnostics);
      for (const cert of Object.values(certs)) expect(text).not.toContain(cert.key.split('\n')[1]);
    }
  });

  it('judges dates at the time given, and the snapshot does not depend on it', () => {
    const files = (c: Certificates) => ({ [S('www')]: ssl(['www.example.com'], c.www) });
    const early = run({ name: 'early', files, now: NOW, expected: [] });
    const late = run({ name: 'late', files, now: NOW + 170 * DAY, expected: [] });
    expect(early.diagnostics).toEqual([]);
    expect(late.diagnostics.map((d) => d.code)).toEqual(['TW3037']);
    expect(late.snapshots[0]!.digest).toBe(early.snapshots[0]!.digest);
  });
});

// The `prepare` script: npm runs it after `npm install` or `npm ci` in a clone, before `npm pack`
// and `npm publish`, and when it installs tagway from git. It builds dist/ (and the manifest and
// the compiled validators) with `npm run build`, so that `npx tagway` works after an install and a
// tarball carries what it runs. The build needs TypeScript, a dev dependency: in an install
// without dev dependencies (`--omit=dev`), a dist/ that is there already is kept, and without one
// the install fails saying how to get one. An installed tarball never runs this: it carries dist/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../', import.meta.url);
const built = ['dist/index.js', 'dist/cli/commands/validate.js', 'oclif.manifest.json'].every((file) => fs.existsSync(new URL(file, root)));

let typescript = true;
try {
  createRequire(import.meta.url).resolve('typescript/package.json');
} catch {
  typescript = false;
}

if (!typescript) {
  if (built) {
    process.stderr.write('tagway: TypeScript is not installed (no dev dependencies), so the dist/ already built is kept\n');
    process.exit(0);
  }
  process.stderr.write(
    'tagway: dist/ is not built, and building it needs TypeScript, a dev dependency that is not installed.\n' +
      '  hint: run npm install (or npm ci) without --omit=dev, or install a packed tarball (npm pack), which carries dist/.\n',
  );
  process.exit(1);
}

// npm_execpath: the npm that runs this script, so that the build uses the same one.
const npm = process.env.npm_execpath;
if (npm) execFileSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' });
else execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

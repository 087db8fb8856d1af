// Builds what the `prog` command runs (bin/prog.cjs loads it): src/ bundled by esbuild into one
// CommonJS file, dist/bundle/prog.cjs, so `prog run` reads one file instead of ~200 modules, and
// Node's built-ins are loaded by require() (no ES-module facades). The big packages only some
// commands use (yargs for everything but the `prog run` fast path, conf for `prog config`,
// systeminformation off Linux) are bundles of their own under dist/bundle/vendor/, loaded when
// asked for. Type checking stays with tsc (npm test).
//
// The last line of prog.cjs names the build (a hash of its content): bin/prog.cjs keys V8's code
// cache by it, so a cache is never used with another build's code.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'bundle');
// Built aside and swapped in at the end: a prog started meanwhile (a test run) finds a whole bundle.
const outdir = join(root, 'dist', `.bundle-${process.pid}`);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Packages bundled apart from prog.cjs, and loaded from there only when used. */
const VENDORS = ['yargs', 'conf', 'systeminformation', 'ws'];
/**
 * Vendor bundles gathered by a module of prog's own (several packages behind one import): the
 * OpenTelemetry SDK, required by src/exporters/otlp.ts only when a run is traced.
 */
const GATHERED = [{ name: 'otel', entry: join(root, 'src', 'exporters', 'otlp-sdk.ts') }];

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // import() of a vendor bundle becomes require(): vm.Script code (bin/prog.cjs) has no import().
  supported: { 'dynamic-import': false },
  // ES-module packages read import.meta.url (yargs, to find itself); in CommonJS it is the file's URL.
  define: { 'import.meta.url': '__progMetaUrl', PROG_BUILD_VERSION: JSON.stringify(version) },
  banner: { js: 'var __progMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });

const main = await build({
  ...common,
  entryPoints: [join(root, 'src', 'cli.ts')],
  outfile: join(outdir, 'prog.cjs'),
  plugins: [{
    name: 'vendors',
    setup(b) {
      const filter = new RegExp(`^(${VENDORS.join('|')})$`);
      b.onResolve({ filter }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
      for (const { name, entry } of GATHERED) {
        // Imported from beside it by tsc's name for it: `import('./otlp-sdk.js')`.
        const specifier = `./${basename(entry, '.ts')}.js`;
        b.onResolve({ filter: new RegExp(`^${specifier.replace(/[.\/]/g, '\\$&')}$`) }, (args) => (
          join(args.resolveDir, basename(entry)) === entry ? { path: `./vendor/${name}.cjs`, external: true } : undefined));
      }
    },
  }],
});

const vendors = await Promise.all(VENDORS.map((name) => build({
  ...common,
  // prog imports only their default export, which Node's import() of a CommonJS file makes module.exports.
  stdin: { contents: `const m = require(${JSON.stringify(name)}); module.exports = m && m.__esModule ? m.default : m;`, resolveDir: root, loader: 'js' },
  outfile: join(outdir, 'vendor', `${name}.cjs`),
})));

vendors.push(...await Promise.all(GATHERED.map(({ name, entry }) => build({
  ...common,
  entryPoints: [entry],
  // ES-module builds where a package has them: esbuild drops what is not used (semantic-conventions is 10 MB).
  mainFields: ['module', 'main'],
  outfile: join(outdir, 'vendor', `${name}.cjs`),
}))));

const mainFile = join(outdir, 'prog.cjs');
// bin/prog.cjs reads the bundle as latin1 (a one-byte string, cheaper to read and to hand to V8), so
// it must be ASCII. esbuild escapes other characters in strings but not in regular expression
// literals: those get the same \uXXXX escapes here (per UTF-16 unit, which means the same in a
// regular expression, with or without the u flag). Only String.raw text would read them
// differently, hence the check.
const text = readFileSync(mainFile, 'utf8');
if (/[^\x00-\x7f]/.test(text)) {
  if ((text.match(/String\.raw`[^`]*`/g) ?? []).some((raw) => /[^\x00-\x7f]/.test(raw))) throw new Error('prog.cjs has non-ASCII text in String.raw: escape it in src/');
  writeFileSync(mainFile, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
// bin/prog.cjs runs the bundle as a vm.Script, which has no import(): every one must have become require().
if (/(?<![\w$.])import\(/.test(readFileSync(mainFile, 'latin1'))) throw new Error('prog.cjs still calls import(): vm.Script cannot run it');
const id = createHash('sha256').update(readFileSync(mainFile)).digest('hex').slice(0, 16);
appendFileSync(mainFile, `\n//# prog-build-id=${id}\n`);

// The dashboard's page (src/display/dashboard/page): one script for the browser with uPlot in it,
// its styles and its HTML, served by `prog dashboard` from dist/bundle/dashboard/ (no CDN).
const pageDir = join(root, 'src', 'display', 'dashboard', 'page');
const page = await build({
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome110',
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  entryPoints: [join(pageDir, 'main.ts')],
  outfile: join(outdir, 'dashboard', 'app.js'),
});
for (const file of ['index.html', 'app.css']) copyFileSync(join(pageDir, file), join(outdir, 'dashboard', file));
copyFileSync(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), join(outdir, 'dashboard', 'uplot.css'));

const metas = [main, ...vendors, page].map((r) => r.metafile);
writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), notices(metas.flatMap((m) => Object.keys(m.inputs))));

/** The licence of every package the bundle holds code from: the bundle ships them with it. */
function notices(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const parts = [...dirs].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : `License: ${pkg.license ?? 'see the package'}`;
    return `${pkg.name}@${pkg.version} (${pkg.license ?? 'unknown'})\n\n${text}\n`;
  });
  return `prog bundles code from these packages; their licences follow.\n\n${parts.join('\n' + '-'.repeat(72) + '\n\n')}`;
}

const old = join(root, 'dist', `.bundle-old-${process.pid}`);
try {
  renameSync(target, old);
} catch {
  // The first build.
}
renameSync(outdir, target);
rmSync(old, { recursive: true, force: true });

const outputs = metas.flatMap((m) => Object.entries(m.outputs));
const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
process.stdout.write(`bundle ${id}: ${outputs.map(([path, o]) => `${path.replace(/^dist\/\.bundle-\d+\//, '')} ${kib(o.bytes)}`).join(', ')}\n`);
if (process.env.PROG_BUNDLE_META) writeFileSync(process.env.PROG_BUNDLE_META, JSON.stringify(metas));

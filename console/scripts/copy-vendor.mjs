// Copies the calendar's prebuilt bundle from node_modules into the folder the
// Chalice app serves (/console/vendor/...). Run after `npm ci`; the copies are
// build output, kept out of git. `chalice package` ships whatever is there.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, '..', 'node_modules');
const target = join(here, '..', '..', 'chalicelib', 'web', 'console_files', 'vendor');

const FILES = [
  ['@event-calendar/build/dist/event-calendar.min.js', 'event-calendar.min.js'],
  ['@event-calendar/build/dist/event-calendar.min.css', 'event-calendar.min.css'],
  // The bundle names its source map; without it a browser's developer tools log a 404.
  ['@event-calendar/build/dist/event-calendar.min.js.map', 'event-calendar.min.js.map'],
];

mkdirSync(target, { recursive: true });
for (const [from, to] of FILES) {
  copyFileSync(join(modules, from), join(target, to));
}
const pkg = JSON.parse(readFileSync(join(modules, '@event-calendar/build/package.json'), 'utf8'));
// What was copied, for people and for the Python side's checks.
writeFileSync(join(target, 'VERSIONS.txt'),
  `${pkg.name} ${pkg.version} (${pkg.license}) ${pkg.homepage}\n`);
console.log(`» copiados para ${target}: ${FILES.map(([, to]) => to).join(', ')}`);

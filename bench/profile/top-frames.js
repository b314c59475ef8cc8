'use strict';

// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time, the most
// inclusive time, and self time per package / source folder. Usage:
//   node bench/profile/top-frames.js <file.cpuprofile> [count] [--filter substring] [--callers leaf-substring]
const { readFileSync } = require('node:fs');
const { relative } = require('node:path');

function where(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) return '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const local = relative(process.cwd(), url);
  return local.split('/').slice(0, 3).join('/');
}

function label(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  const file = url.startsWith('node:') ? url : url ? relative(process.cwd(), url) : '';
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

function summarise(profile, count, filter) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index];
    self.set(id, (self.get(id) ?? 0) + (deltas[index] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const bySelf = new Map();
  const byInclusive = new Map();
  const byPackage = new Map();
  for (const [id, micros] of self) {
    const frame = nodes.get(id).callFrame;
    const key = label(frame);
    bySelf.set(key, (bySelf.get(key) ?? 0) + micros);
    const pkg = where(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    // Inclusive: every distinct function on the stack of this sample gets the time once.
    const seen = new Set();
    for (let cursor = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const name = label(nodes.get(cursor).callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      byInclusive.set(name, (byInclusive.get(name) ?? 0) + micros);
    }
  }
  const top = (map, /** @type {(name: string) => boolean} */ skip = () => false) =>
    [...map]
      .filter(([name]) => !skip(name) && (!filter || name.includes(filter)))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(
        ([name, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
      );
  const idle = [...bySelf].filter(([name]) => /^\((idle|program|garbage collector)\)/.test(name));
  return [
    `Sampled ${(total / 1e6).toFixed(1)} s; ${idle.map(([name, micros]) => `${name.split(' ')[0]} ${((micros / total) * 100).toFixed(1)}%`).join(', ')}`,
    '',
    'Self time by package / folder:',
    ...top(byPackage),
    '',
    'Self time by function:',
    ...top(bySelf),
    '',
    'Inclusive time by function (src/ only):',
    ...top(byInclusive, (name) => !/ (dist\/)?src\//.test(name)),
  ].join('\n');
}

/** For samples whose leaf matches `leaf`, the nearest caller in dist/src (or the app's code) and its share. */
function callers(profile, leaf, count) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byCaller = new Map();
  let total = 0;
  profile.samples.forEach((id, index) => {
    if (!label(nodes.get(id).callFrame).includes(leaf)) return;
    const micros = profile.timeDeltas[index] ?? 0;
    total += micros;
    const chain = [];
    for (let cursor = parent.get(id); cursor !== undefined && chain.length < 3; cursor = parent.get(cursor)) {
      const name = label(nodes.get(cursor).callFrame);
      if (/ (dist\/)?src\/|node_modules\/(jose|typeorm|pg|fastify|@nestjs|pino)/.test(name)) chain.push(name);
    }
    const key = chain.join('  <  ') || '(no app frame on the stack)';
    byCaller.set(key, (byCaller.get(key) ?? 0) + micros);
  });
  return [
    `Callers of "${leaf}" (${(total / 1000).toFixed(0)} ms):`,
    ...[...byCaller]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}`),
  ].join('\n');
}

function main() {
  const [file, countArg, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/profile/top-frames.js <file.cpuprofile> [count] [--filter substring]');
    process.exit(2);
  }
  const option = (name) => (rest.indexOf(name) >= 0 ? rest[rest.indexOf(name) + 1] : undefined);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const leaf = option('--callers');
  console.log(leaf ? callers(profile, leaf, Number(countArg) || 25) : summarise(profile, Number(countArg) || 25, option('--filter')));
}

main();

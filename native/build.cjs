#!/usr/bin/env node
/*
 * Builds the optional native addon (native/build/Release/synack.node) with the
 * node-gyp that ships with npm. Run by `npm install` (the package's "install"
 * script) and by hand: `node native/build.cjs`.
 *
 * It must never fail the install: whatever goes wrong, it prints one line
 * saying why and how to fix it, and exits 0. synack then runs its TypeScript
 * paths (`synack --version` says which is active). The full compiler output
 * goes to native/build/build.log.
 *
 * SYNACK_SKIP_NATIVE=1 skips the build.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const addon = path.join(here, 'build', 'Release', 'synack.node');

function say(line) {
  process.stdout.write(`synack: ${line}\n`);
}

/** node-gyp's entry script: the one npm hands to lifecycle scripts, else the one inside npm's install dir. */
function findNodeGyp() {
  const candidates = [];
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm) candidates.push(fromNpm);
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  if (process.env.npm_execpath) {
    // npm_execpath = <npm>/bin/npm-cli.js
    candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  for (const c of candidates) {
    if (c && fs.existsSync(c)) return c;
  }
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [here, path.join(prefix, 'lib', 'node_modules', 'npm')] });
  } catch {
    return undefined;
  }
}

/** Where Node's headers are: npm's nodedir setting, else the prefix node runs from when it holds them. */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured && fs.existsSync(path.join(configured, 'include', 'node', 'node_api.h'))) return configured;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined; // node-gyp will try its own header cache (may need the network)
}

function hasPcapHeaders() {
  const dirs = ['/usr/include', '/usr/local/include', '/opt/homebrew/include', '/opt/local/include'];
  if (process.env.CPATH) dirs.unshift(...process.env.CPATH.split(':'));
  return dirs.some((d) => d && fs.existsSync(path.join(d, 'pcap', 'pcap.h')));
}

function main() {
  if (process.env.SYNACK_SKIP_NATIVE === '1') {
    say('native addon skipped (SYNACK_SKIP_NATIVE=1); the TypeScript paths run');
    return;
  }
  if (!hasPcapHeaders()) {
    say('native addon not built: libpcap headers missing (apt-get install libpcap-dev, then npm rebuild synack); the TypeScript paths run');
    return;
  }
  try {
    require.resolve('node-addon-api', { paths: [here] });
  } catch {
    say('native addon not built: node-addon-api is not installed (npm install node-addon-api, then node native/build.cjs); the TypeScript paths run');
    return;
  }
  const gyp = findNodeGyp();
  if (!gyp) {
    say('native addon not built: node-gyp not found (it ships with npm); the TypeScript paths run');
    return;
  }
  const args = [gyp, 'rebuild'];
  const nodedir = findNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = spawnSync(process.execPath, args, {
    cwd: here,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_loglevel: process.env.npm_config_loglevel ?? 'warn' },
  });
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) + '\n' : ''}`;
  try {
    fs.mkdirSync(path.join(here, 'build'), { recursive: true });
    fs.writeFileSync(path.join(here, 'build', 'build.log'), log);
  } catch {
    // the log is a convenience only
  }
  if (r.status !== 0 || !fs.existsSync(addon)) {
    const why = r.error ? String(r.error.message || r.error) : 'compiler or linker error';
    say(`native addon not built (${why}; see native/build/build.log); the TypeScript paths run`);
    return;
  }
  // Load it in a separate process: a broken binary must not take this script down.
  const check = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(addon)}).libpcapVersion())`], {
    encoding: 'utf8',
    timeout: 30 * 1000,
  });
  if (check.status !== 0) {
    const msg = (check.stderr || '').split('\n').find((l) => l.trim()) || 'load failed';
    try {
      fs.rmSync(addon);
    } catch {
      // nothing to remove
    }
    say(`native addon built but does not load (${msg.trim()}); the TypeScript paths run`);
    return;
  }
  say(`native addon built (${check.stdout.trim()})`);
}

try {
  main();
} catch (e) {
  say(`native addon not built (${e && e.message ? e.message : String(e)}); the TypeScript paths run`);
}
process.exitCode = 0;

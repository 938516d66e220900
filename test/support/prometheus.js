// A real Prometheus server (Debian's `prometheus` package) on 127.0.0.1 for tests and the benchmark:
// series are written as OpenMetrics text, turned into TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics`, and the server is started on a temporary data folder
// at a free port. Plain CommonJS so that scripts/bench.js can use it too.
'use strict';
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

/** Path of a program on PATH (or in /usr/bin), or undefined. */
function which(name) {
  for (const dir of [...(process.env.PATH || '').split(path.delimiter), '/usr/bin', '/usr/local/bin']) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/**
 * Whether Prometheus can run here. In CI (CI=true) a missing server is an error, never a skip:
 * .ci/run installs it. Elsewhere the reason is returned so tests can say why they skip.
 */
function prometheusAvailable() {
  const prometheus = which('prometheus');
  const promtool = which('promtool');
  if (prometheus && promtool) return { ok: true, prometheus, promtool };
  const reason = `Debian's prometheus package is not installed (prometheus: ${prometheus || 'missing'}, promtool: ${promtool || 'missing'}); install it with: apt-get install -y prometheus`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI must not skip the Prometheus tests: .ci/run installs it)`);
  return { ok: false, reason };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * OpenMetrics text of counter series. `series`: [{ name, labels: {k: v}, points: [[unixSeconds, value], ...] }].
 * Each series' points must be in time order.
 */
function openMetrics(series) {
  const byName = new Map();
  for (const s of series) {
    if (!byName.has(s.name)) byName.set(s.name, []);
    byName.get(s.name).push(s);
  }
  const lines = [];
  for (const [name, list] of byName) {
    const family = name.replace(/_total$/, '');
    lines.push(`# TYPE ${family} counter`);
    for (const s of list) {
      const labels = Object.keys(s.labels).sort().map((k) => `${k}="${String(s.labels[k]).replace(/["\\]/g, '\\$&')}"`).join(',');
      for (const [t, v] of s.points) lines.push(`${s.name}{${labels}} ${v} ${t}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/**
 * A counter that grows at `ratePerSecond` from `from` to `to` (unix seconds), one point every `step`
 * seconds. `rates` may instead be a function of time giving the rate at t.
 */
function counterPoints(from, to, step, rate) {
  const points = [];
  let v = 0;
  let prev = from;
  for (let t = from; t <= to; t += step) {
    v += (typeof rate === 'function' ? rate(t) : rate) * (t - prev);
    prev = t;
    points.push([t, Math.round(v * 1000) / 1000]);
  }
  return points;
}

/**
 * Starts Prometheus holding `series` (see openMetrics). Resolves to { url, stop() }; stop() ends
 * the server and removes its data folder. Rejects (after cleaning up) when it does not start.
 */
async function startPrometheus(series, opts = {}) {
  const avail = prometheusAvailable();
  if (!avail.ok) throw new Error(avail.reason);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-prometheus-'));
  let child;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    if (series.length) {
      fs.writeFileSync(path.join(dir, 'series.om'), openMetrics(series));
      execFileSync(avail.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', path.join(dir, 'series.om'), data], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  evaluation_interval: 1m\n');
    let lastErr;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      let log = '';
      child = spawn(avail.prometheus, [
        `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=30d', '--log.level=warn',
        ...(opts.args || []),
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline && child.exitCode === null) {
        try {
          const r = await fetch(`${url}/-/ready`);
          if (r.ok) return { url, stop, dir };
        } catch { /* not yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      lastErr = new Error(`prometheus did not become ready on ${url}: ${log.trim().split('\n').slice(-5).join(' | ')}`);
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(); else { child.once('exit', resolve); child.kill('SIGKILL'); } });
    }
    throw lastErr;
  } catch (e) {
    await stop();
    throw e;
  }
}

module.exports = { startPrometheus, prometheusAvailable, openMetrics, counterPoints };

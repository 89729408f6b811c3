// `npm test`: every suite, one after another, then one line of totals: `N passed, N failed`.
// Lint and type check count as one check each; test suites count their tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const results = 'test-results';
fs.mkdirSync(results, { recursive: true });
const only = process.argv.slice(2);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' });
  return r.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const suites = [
  {
    name: 'lint',
    run: () => {
      const code = run('npx', ['eslint', '.', '--max-warnings', '0']);
      return { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
    },
  },
  {
    name: 'typecheck',
    run: () => {
      const code = run('npx', ['tsc', '-p', 'tsconfig.json']) || run('npx', ['tsc', '-p', 'tsconfig.renderer.json']);
      return { passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
    },
  },
  ...['unit', 'integration'].map((project) => ({
    name: project,
    run: () => {
      const out = `${results}/${project}.json`;
      fs.rmSync(out, { force: true });
      const code = run('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
      const json = readJson(out);
      if (!json) return { passed: 0, failed: 1 };
      // A suite that fails outside any test (a file that does not load) still counts as a failure.
      const failed = json.numFailedTests + (code !== 0 && json.numFailedTests === 0 ? 1 : 0);
      return { passed: json.numPassedTests, failed };
    },
  })),
  {
    name: 'browser',
    run: () => {
      if (run('node', ['scripts/build.mjs']) !== 0) return { passed: 0, failed: 1 };
      const out = `${results}/browser.json`;
      fs.rmSync(out, { force: true });
      const code = run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
      const json = readJson(out);
      if (!json) return { passed: 0, failed: 1 };
      const s = json.stats;
      const failed = s.unexpected + (code !== 0 && s.unexpected === 0 ? 1 : 0);
      return { passed: s.expected + s.flaky, failed };
    },
  },
];

let passed = 0;
let failed = 0;
const lines = [];
for (const suite of suites) {
  if (only.length && !only.includes(suite.name)) continue;
  console.log(`\n=== ${suite.name} ===`);
  const r = suite.run();
  passed += r.passed;
  failed += r.failed;
  lines.push(`${suite.name}: ${r.passed} passed, ${r.failed} failed`);
}
const total = `${passed} passed, ${failed} failed`;
fs.writeFileSync(`${results}/summary.txt`, `${lines.join('\n')}\n${total}\n`);
console.log(`\n${lines.join('\n')}\n${total}`);
process.exit(failed === 0 ? 0 : 1);

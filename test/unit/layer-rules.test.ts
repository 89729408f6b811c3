import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

/** Lints a snippet as if it lived at `file`, and returns the restricted-import messages. */
async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('the engine cannot import electron', async () => {
    expect(await restricted('src-main/engine/jobs/x.ts', `import { app } from 'electron';\nexport const a = app;\n`)).toHaveLength(1);
  });

  it('the shared contract cannot import electron or Node modules', async () => {
    expect(await restricted('src-shared/x.ts', `import { app } from 'electron';\nexport const a = app;\n`)).toHaveLength(1);
    expect(await restricted('src-shared/x.ts', `import fs from 'node:fs';\nexport const a = fs;\n`)).toHaveLength(1);
  });

  it('the window cannot import Node modules, Node-side libraries or main-process code', async () => {
    for (const mod of ['fs', 'node:path', 'better-sqlite3', 'electron', '../src-main/engine/engine']) {
      expect(await restricted('src-renderer/x.ts', `import m from '${mod}';\nexport const a = m;\n`), mod).toHaveLength(1);
    }
  });

  it('the shell may import electron, and the window may import the shared contract', async () => {
    expect(await restricted('src-main/shell/x.ts', `import { app } from 'electron';\nexport const a = app;\n`)).toEqual([]);
    expect(await restricted('src-renderer/x.ts', `import { apiMethods } from '../src-shared/api';\nexport const a = apiMethods;\n`)).toEqual([]);
  });
}, 30_000);

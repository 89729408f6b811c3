import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

/** electron-builder's own JSON Schema, shipped with the installed version (app-builder-lib/scheme.json). */
function validator() {
  const schema = JSON.parse(fs.readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  return ajv.compile(schema);
}

describe('electron-builder.yml', () => {
  const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

  it('validates against electron-builder\'s own schema', () => {
    const validate = validator();
    const ok = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is real: an unknown option or a wrong type is refused', () => {
    const validate = validator();
    expect(validate({ ...config, nsis: { ...(config.nsis as object), perMachine: 'yes' } })).toBe(false);
    expect(validate({ ...config, asarUnpackk: ['x'] })).toBe(false);
  });

  it('per-user Windows installer, native module outside the asar, no publishing by default', () => {
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: false });
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    expect(config.publish).toBeNull();
  });
});

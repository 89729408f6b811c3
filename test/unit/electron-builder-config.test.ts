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

const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {

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

describe('installer build (scripts/dist.mjs)', () => {
  type DistScript = { builderEnv(env: Record<string, string | undefined>): Record<string, string | undefined> };
  const load = async () => (await import(path.join(root, 'scripts/dist.mjs'))) as DistScript;

  it('blanks npm\'s nodedir for electron-builder, so better-sqlite3 is built against Electron\'s headers', async () => {
    const { builderEnv } = await load();
    const env = builderEnv({ PATH: '/usr/bin', npm_config_nodedir: '/usr', NPM_CONFIG_NODEDIR: '/usr', CSC_LINK: 'cert.p12' });
    expect(env).toEqual({ PATH: '/usr/bin', npm_config_nodedir: '', CSC_LINK: 'cert.p12' });
  });

  it('macOS: hardened runtime, dmg and zip, notarisation left to the environment (not switched off)', () => {
    const mac = config.mac as Record<string, unknown>;
    expect(mac).toMatchObject({ hardenedRuntime: true, target: ['dmg', 'zip'] });
    expect(mac).not.toHaveProperty('notarize');
    expect(config.linux).toMatchObject({ target: 'AppImage' });
    expect(config.win).toMatchObject({ target: 'nsis' });
  });
});

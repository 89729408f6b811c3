import { z } from 'zod';

/**
 * Settings kept in SQLite, one JSON document per section, each validated by its schema.
 * Later connectors add their sections here; the engine refuses anything a schema rejects.
 */
export const generalSettingsSchema = z.object({
  /** Port of the local webhook server (127.0.0.1); a tunnel exposes it publicly. */
  webhookPort: z.number().int().min(1024).max(65535).default(47800),
  /** Public base URL when the merchant has a static address or reverse proxy (tunnel issue adds providers). */
  publicUrl: z.url({ protocol: /^https?$/ }).nullable().default(null),
  /** How long finished jobs, processed inbox rows and acknowledged errors are kept. */
  keepHistoryDays: z.number().int().min(1).max(3650).default(30),
});

export const settingsSchemas = {
  general: generalSettingsSchema,
} as const;

export type SettingsSection = keyof typeof settingsSchemas;
export const settingsSectionSchema = z.enum(Object.keys(settingsSchemas) as [SettingsSection, ...SettingsSection[]]);
export type Settings = { [S in SettingsSection]: z.output<(typeof settingsSchemas)[S]> };

/** Secrets are write-only once saved: the UI only learns whether each is set. */
export const secretKeys = [
  'retailcrm.apiKey',
  'measoft.password',
  'lifepos.password',
  'kassa.password',
  'tunnel.ngrokAuthtoken',
] as const;
export const secretKeySchema = z.enum(secretKeys);
export type SecretKey = (typeof secretKeys)[number];

export const secretTitles: Record<SecretKey, string> = {
  'retailcrm.apiKey': 'API-ключ RetailCRM',
  'measoft.password': 'Пароль MeaSoft',
  'lifepos.password': 'Пароль LIFE POS',
  'kassa.password': 'Пароль онлайн-кассы',
  'tunnel.ngrokAuthtoken': 'Токен ngrok',
};

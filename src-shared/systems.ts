/** Every system Prilavok talks to, plus its own parts that can fail on their own. */
export const systems = [
  'engine',
  'webhooks',
  'tunnel',
  'retailcrm',
  'measoft',
  'lifepos',
  'kassa',
  'leeloo',
  'forms',
  'statuscheck',
] as const;

export type SystemId = (typeof systems)[number];

/**
 * What «Проверить подключение» can check: every system, plus `pos` — the RetailCRM ↔ LIFE POS sale settings
 * (payment types, task group, the key's rights) checked against both systems.
 */
export const connectionTestTargets = [...systems, 'pos'] as const;
export type ConnectionTestTarget = (typeof connectionTestTargets)[number];

/** Names the merchant sees. */
export const systemTitles: Record<SystemId, string> = {
  engine: 'Прилавок',
  webhooks: 'Входящие запросы',
  tunnel: 'Туннель',
  retailcrm: 'RetailCRM',
  measoft: 'MeaSoft',
  lifepos: 'LIFE POS',
  kassa: 'Онлайн-касса',
  leeloo: 'Leeloo.ai',
  forms: 'Сайт',
  statuscheck: 'Проверка статусов',
};

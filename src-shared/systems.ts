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
  forms: 'Формы сайта',
  statuscheck: 'Проверка статусов',
};

export { createMeasoftClient } from './client.js';
export * from './types.js';
export { EDIT_ORDER_ROOT, kopecksToRoubles, roublesToKopecks } from './xml.js';
export * from './connector.js';

export * from './types.js';
export * from './receipt.js';
export * from './schema.js';
export * from './atol.js';
export * from './connector.js';

export * from './types.js';
export * from './client.js';
export * from './connector.js';
export * from './forms-api.js';

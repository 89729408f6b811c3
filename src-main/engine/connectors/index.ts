import { kassa } from './kassa/connector.js';
import { lifepos } from './lifepos/connector.js';
import { measoft } from './measoft/connector.js';
import { retailcrm } from './retailcrm/connector.js';

/** Every connector Prilavok has: a new system is its folder and one line here. */
export const connectors = { retailcrm, measoft, lifepos, kassa } as const;

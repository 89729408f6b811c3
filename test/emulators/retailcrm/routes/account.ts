/* What a key may learn about itself and the account without any scope. */
import { keySites, type RouteGroup } from './common.js';

export const accountRoutes: RouteGroup = (acc, { path, get, k }) => {
  if (path === '/api/credentials' && get) {
    return [200, { success: true, scopes: k.scopes, credentials: [], siteAccess: k.sites ? 'access_selective' : 'access_full', sitesAvailable: keySites(acc, k) }];
  }
  if (path === '/api/api-versions' && get) return [200, { success: true, versions: ['3.0', '4.0', '5.0'] }];
  if (path === '/api/system-info' && get) return [200, { success: true, systemVersion: '8.1.51', publicUrl: 'http://127.0.0.1', technicalUrl: 'http://127.0.0.1' }];
  return null;
};

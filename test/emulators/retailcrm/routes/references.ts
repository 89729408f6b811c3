/* `reference/<book>`: the account's reference books. */
import { ApiError } from '../errors.js';
import { referenceField, referencesView } from '../references.js';
import type { RouteGroup } from './common.js';

export const referenceRoutes: RouteGroup = (acc, { path, get }) => {
  const m = /^\/api\/v5\/reference\/([\w-]+)$/.exec(path);
  if (!m || !get) return null;
  const name = m[1]!;
  const field = referenceField[name];
  if (!field) throw new ApiError(404, 'API method not found');
  return [200, { success: true, [field]: referencesView(acc.sites)[name] }];
};

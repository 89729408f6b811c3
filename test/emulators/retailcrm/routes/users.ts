/* `users`, `users/{id}`, `user-groups`: the account's staff from seed.ts. */
import { ApiError } from '../errors.js';
import * as seed from '../seed.js';
import { userView } from '../serialise.js';
import { arr } from '../util.js';
import { paginate, type RouteGroup } from './common.js';

export const userRoutes: RouteGroup = (_acc, { path, q, get }) => {
  let m: RegExpExecArray | null;
  if (path === '/api/v5/users' && get) {
    const groups = arr(q, 'filter[groups]');
    const active = q.get('filter[active]');
    const isManager = q.get('filter[isManager]');
    const email = q.get('filter[email]');
    const list = seed.users
      .map(userView)
      .filter((u) => groups.length === 0 || (u.groups as Array<{ code: string }>).some((g) => groups.includes(g.code)))
      .filter((u) => active === null || u.active === (active === '1' || active === 'true'))
      .filter((u) => isManager === null || u.isManager === (isManager === '1' || isManager === 'true'))
      .filter((u) => email === null || u.email === email);
    const { page, pagination } = paginate(list, q);
    return [200, { success: true, pagination, users: page }];
  }
  if ((m = /^\/api\/v5\/users\/(\d+)$/.exec(path)) && get) {
    const u = seed.users.find((x) => x.id === Number(m![1]));
    if (!u) throw new ApiError(404, 'Not found');
    return [200, { success: true, user: userView(u) }];
  }
  if (path === '/api/v5/user-groups' && get) {
    const { page, pagination } = paginate(seed.userGroups.map((g) => ({ ...g, breakdownOrderTypes: [], breakdownSites: [], breakdownOrderMethods: [], grantedOrderTypes: [] })), q);
    return [200, { success: true, pagination, groups: page }];
  }
  return null;
};

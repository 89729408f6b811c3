/* `tasks/create`, `tasks`: the manager's tasks a flow leaves in the account. */
import { ApiError } from '../errors.js';
import * as seed from '../seed.js';
import type { Json } from '../types.js';
import { now } from '../util.js';
import { entity, paginate, writeSite, type RouteGroup } from './common.js';

export const taskRoutes: RouteGroup = (acc, { path, q, body, k, get, post }) => {
  if (path === '/api/v5/tasks/create' && post) {
    const site = writeSite(acc, k, body);
    const t = entity(body, 'task');
    const errors: Record<string, string> = {};
    if (t.text === undefined || t.text === null || String(t.text).trim() === '') errors.text = 'This value should not be blank.';
    if (t.performerId === undefined || t.performerId === null || t.performerId === '') errors.performerId = 'This value should not be blank.';
    else if (!seed.users.some((u) => u.id === Number(t.performerId))) errors.performerId = `User with id ${String(t.performerId)} not found.`;
    if (t.datetime !== undefined && t.datetime !== null && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(String(t.datetime))) errors.datetime = 'This value is not a valid datetime.';
    const oref = t.order as Json | undefined;
    if (oref && !Object.keys(errors).length) {
      const o = [...acc.orders.values()].find((x) => (oref.id !== undefined && x.id === Number(oref.id)) || (oref.number !== undefined && x.number === String(oref.number)));
      if (!o) errors['order'] = 'Order not found.';
    }
    if (Object.keys(errors).length) throw new ApiError(400, 'Task is not loaded', errors);
    const task = { ...t, id: acc.ids.task++, site, createdAt: now(), complete: false, performer: Number(t.performerId) };
    acc.tasks.push(task);
    return [201, { success: true, id: task.id }];
  }
  if (path === '/api/v5/tasks' && get) {
    const { page, pagination } = paginate(acc.tasks, q);
    return [200, { success: true, pagination, tasks: page }];
  }
  return null;
};

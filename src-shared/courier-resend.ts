/**
 * MeaSoft statuses after which an order may be sent to the courier service again («Отправить заново»): the
 * delivery is over without the goods reaching the buyer (not delivered, refused, brought back, lost), so a
 * new MeaSoft order never runs next to a live one. `skipped` is the window's chip for an order that never
 * reached MeaSoft (or was cancelled before it did).
 */
export const courierResendStatuses: readonly string[] = ['CANCELED', 'COURIERCANCELED', 'COURIERRETURN', 'RETURNING', 'RETURNED', 'LOST'];

/** The order card offers «Отправить заново» for these courier chip states. */
export const courierResendChipStates: readonly string[] = [...courierResendStatuses, 'skipped'];

export function isCourierResendStatus(code: string | null | undefined): boolean {
  return !!code && courierResendStatuses.includes(code);
}

/**
 * The same failure reads differently in a job and in a connection check. A job is retried by Prilavok and has a
 * «Повторить» button; a check («Проверить подключение», or the one after saving settings) has neither, so its
 * message must not promise an automatic retry or point to a button that is not there.
 */
export function asCheckMessage(message: string): string {
  return message
    .replace(/\s*Повторим автоматически\.?/g, ' Проверьте адрес в настройках и попробуйте ещё раз.')
    .replace(/(и |затем )?нажмите «Повторить»(?:, когда сервис заработает)?/g, (_m, lead: string | undefined) => `${lead ?? ''}снова проверьте подключение`)
    .replace(/\s*Попытки исчерпаны \(\d+\);?/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

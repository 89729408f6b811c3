import { app, shell, type WebContents } from 'electron';

/**
 * No navigation away from our page, no new windows, no webviews: the window shows Prilavok and nothing else.
 * A link to the outside («Открыть в RetailCRM») opens in the system browser instead.
 */
export function lockDown(isOurs: (url: string) => boolean): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOurs(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https:\/\//i.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

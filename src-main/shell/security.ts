import { app, type WebContents } from 'electron';

/** No navigation away from our page, no new windows, no webviews: the window shows Prilavok and nothing else. */
export function lockDown(isOurs: (url: string) => boolean): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOurs(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

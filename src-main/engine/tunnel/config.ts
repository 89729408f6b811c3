import type { Settings } from '../../../src-shared/settings.js';
import type { Redactor } from '../redact.js';
import { LocalTunnelProvider } from './localtunnel.js';
import type { TunnelConfig } from './manager.js';
import { NgrokProvider } from './ngrok.js';
import { OwnUrlProvider } from './own.js';

/** The provider the merchant chose, built fresh for each connection attempt from the current settings. */
export function tunnelConfig(settings: Settings['tunnel'], ngrokAuthtoken: string | null, redactor: Redactor): TunnelConfig {
  switch (settings.provider) {
    case 'none':
      return { provider: 'none', create: null };
    case 'own':
      return { provider: 'own', create: () => new OwnUrlProvider(settings.ownUrl) };
    case 'ngrok':
      return { provider: 'ngrok', create: () => new NgrokProvider({ authtoken: ngrokAuthtoken, domain: settings.ngrokDomain, redactor }) };
    case 'localtunnel':
      return {
        provider: 'localtunnel',
        create: () => new LocalTunnelProvider({ host: settings.localtunnelHost, subdomain: settings.localtunnelSubdomain, redactor }),
      };
  }
}

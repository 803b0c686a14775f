import { OFREPWebProvider } from "@openfeature/ofrep-web-provider";
import { OpenFeature, ProviderEvents } from "@openfeature/web-sdk";

// The script of the page the OFREP browser test loads (bundled by esbuild in the test): the stock web SDK with the
// stock OFREP web provider, and a few hooks on `window` for the test to drive and read it.

interface OfrepPage {
  start(baseUrl: string, targetingKey: string, token?: string): Promise<void>;
  value(key: string): { value: boolean; variant: string | undefined; reason: string | undefined };
  /** The flag keys of each ConfigurationChanged event so far. */
  changes: string[][];
}

const page: OfrepPage = {
  changes: [],
  async start(baseUrl, targetingKey, token) {
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      page.changes.push([...((details as { flagsChanged?: string[] } | undefined)?.flagsChanged ?? [])]);
    });
    await OpenFeature.setProviderAndWait(new OFREPWebProvider({ baseUrl, changeDetection: "sse", cacheMode: "disabled", ...(token ? { headers: [["X-API-Key", token]] } : {}) }), { targetingKey });
  },
  value(key) {
    const details = OpenFeature.getClient().getBooleanDetails(key, false);
    return { value: details.value, variant: details.variant, reason: details.reason };
  },
};
(globalThis as unknown as { ofrep: OfrepPage }).ofrep = page;

/**
 * The AWS SDK clients' default credential chain (`@aws-sdk/credential-provider-node`), loaded the
 * first time a client asks for credentials instead of when the client's module loads. The CLI
 * bundle resolves that package to this module (scripts/build.mjs): the chain brings the SSO, STS
 * and INI providers with their nested clients (about 0.7 MB of code), which `locks` or `status` on
 * the embedded store (static credentials) or the local home never run.
 *
 * Same contract as the package's `defaultProvider(init)`: a function that returns credentials,
 * memoized by the real chain behind it.
 */
import type { defaultProvider as realDefaultProvider } from "@aws-sdk/credential-provider-node";

type Init = Parameters<typeof realDefaultProvider>[0];
type Provider = ReturnType<typeof realDefaultProvider>;

/**
 * The package is CommonJS. Node's own loader (tsx, tests) gives its exports as named exports; a
 * bundle split into chunks by esbuild gives the CommonJS `module.exports` as `default` only.
 */
function realProvider(m: { defaultProvider?: typeof realDefaultProvider; default?: { defaultProvider?: typeof realDefaultProvider } }): typeof realDefaultProvider {
  const fn = typeof m.defaultProvider === "function" ? m.defaultProvider : m.default?.defaultProvider;
  if (typeof fn !== "function") throw new Error("@aws-sdk/credential-provider-node has no defaultProvider export");
  return fn;
}

export const defaultProvider = (init?: Init): Provider => {
  let chain: Promise<Provider> | undefined;
  return async (options) => {
    chain ??= import("@aws-sdk/credential-provider-node").then((m) => realProvider(m)(init));
    return (await chain)(options);
  };
};

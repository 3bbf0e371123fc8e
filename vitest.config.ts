import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/**/tests/**/*.test.ts", "infra/**/*.test.ts", "scripts/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    // Starts the real services the integration tests use (OpenStack Swift with s3api + versioning,
    // DynamoDB Local) once, and stops with a clear message if one cannot be started.
    globalSetup: ["scripts/test/global-setup.ts"],
    setupFiles: ["scripts/test/polyfills.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest empties CSS imports unless asked; the local Slack page serves its stylesheet as text.
    css: { include: [/packages\/slack\/playground\/page\//] },
    // The AWS SDK's notice that its 2027 releases will need Node 22 is not about the code under test.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});

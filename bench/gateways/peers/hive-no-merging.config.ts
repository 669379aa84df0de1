// Hive Gateway with in-flight request merging off (it is on by default): the option its docs give,
// https://the-guild.dev/graphql/hive/docs/gateway/other-features/performance/deduplicate-request
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  transportEntries: {
    '*.http': { options: { deduplicateInflightRequests: false } },
  },
});

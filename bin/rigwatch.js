#!/usr/bin/env node
// The AWS SDK warns on Node 20 about its 2027 support change; it is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await import('../dist/cli/main.js');

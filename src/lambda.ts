// The Lambda entry point (`npm run bundle` writes it, with everything it imports, to
// dist/lambda/index.mjs). The bundle carries a copy of config/ next to it.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundledConfig = fileURLToPath(new URL('./config/', import.meta.url));
if (existsSync(bundledConfig)) process.env.RIGWATCH_CONFIG_DIR ??= bundledConfig;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export { handler, simulatedAccountFor, type HandlerResult } from './lambda/handler.js';

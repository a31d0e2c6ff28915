// The slice of an SDK v3 client that rigwatch's middlewares need, so one function can take any client.
import type { MiddlewareStack } from '@smithy/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- every client's stack has its own input/output unions
export interface Client { middlewareStack: MiddlewareStack<any, any> }

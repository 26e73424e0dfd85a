export { startApiProcess, startDevStack, type ApiProcess, type DevStack, type DevStackOptions, type ProcessExit, type StackFailure } from './stack';
export { runDemo, demoBookPhoto } from './demo';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
export { servePglite, type PgliteServer, type PgliteServerOptions } from './pglite-server';

export { runAdmin, COMMAND_GROUPS } from './admin';
export type { AdminIo } from './context';

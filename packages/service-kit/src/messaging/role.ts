import { z } from 'zod';
import { loadConfig } from '../config.ts';

/** What a unit's process runs: its HTTP API, its workers (relay and consumers), or both. */
export const processRoles = ['api', 'worker', 'all'] as const;
export type ProcessRole = (typeof processRoles)[number];

const roleConfig = z.object({ ROLE: z.enum(processRoles).default('all') });

/** `ROLE` from the environment, `all` when unset; any other value stops the process, naming ROLE. */
export function readProcessRole(env: NodeJS.ProcessEnv = process.env): ProcessRole {
  return loadConfig(roleConfig, env).ROLE;
}

export const runsApi = (role: ProcessRole) => role !== 'worker';
export const runsWorkers = (role: ProcessRole) => role !== 'api';

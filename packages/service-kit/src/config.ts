import { z } from 'zod';

/**
 * Reads and validates a process's settings once, at start. A missing or bad setting stops the
 * process with a message naming each setting at fault.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
  process.stderr.write(`Invalid configuration:\n${problems}\n`);
  process.exit(78); // EX_CONFIG
}

/** 0 asks the OS for any free port (tests). */
export const port = z.coerce.number().int().min(0).max(65535);
export const url = z.url();
export const secret = z.string().min(32, 'must be at least 32 characters');
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

import { spawn } from 'node:child_process';

export interface Finished {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program to its end, feeding it `input` if given, and collects its output; a non-zero
 * exit is a result, not an error.
 */
export function run(
  file: string,
  args: readonly string[],
  { input, ...options }: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: 'pipe' });
    // Without input the program reads end-of-file at once, as it would with no terminal.
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode: exitCode ?? 1, stdout, stderr }));
  });
}

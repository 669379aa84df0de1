/**
 * A local mail sink: an SMTP server (the `smtp-server` package) that keeps every message it
 * accepts as an .eml file, where a developer can open it, and an HTTP side that lists them and
 * switches failure modes on, so tests see a mail server fail for real.
 *
 *   SMTP on MAIL_SINK_SMTP_PORT (default 4025); files in MAIL_SINK_DIR (default .run/mail)
 *   GET  /messages          [{ file, messageId, from, to, subject, receivedAt }], oldest first
 *   POST /control { mode }  accept (default) | tempfail (451, try later) | reject (554, for good)
 *   GET  /healthz           on MAIL_SINK_HTTP_PORT (default 4026); MAIL_SINK_HOST (default 127.0.0.1)
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { SMTPServer } from 'smtp-server';

export type MailSinkMode = 'accept' | 'tempfail' | 'reject';
export type KeptMessage = {
  file: string;
  messageId: string;
  from: string;
  to: string;
  subject: string;
  receivedAt: string;
};

const MODES: readonly MailSinkMode[] = ['accept', 'tempfail', 'reject'];
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** The header of a message, unfolded (continuation lines joined), by lower-case name. */
function headerOf(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

/** "=?UTF-8?Q?…?=" and "=?UTF-8?B?…?=" words, as nodemailer writes non-ASCII subjects. */
function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, encoding: string, text: string) =>
    encoding.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text
            .replace(/_/g, ' ')
            .replace(/=([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

export function describeMessage(file: string, raw: string, receivedAt: string): KeptMessage {
  return {
    file,
    messageId: headerOf(raw, 'message-id').replace(/^<|>$/g, ''),
    from: headerOf(raw, 'from'),
    to: headerOf(raw, 'to'),
    subject: decodeWords(headerOf(raw, 'subject')),
    receivedAt,
  };
}

export interface MailSink {
  smtpPort: number;
  httpUrl: string;
  directory: string;
  mode: { value: MailSinkMode };
  messages(): KeptMessage[];
  close(): Promise<void>;
}

export async function startMailSink(
  options: {
    smtpPort?: number;
    httpPort?: number;
    host?: string;
    directory?: string;
    log?: (line: string) => void;
  } = {},
): Promise<MailSink> {
  const host = options.host ?? '127.0.0.1';
  const directory = resolve(options.directory ?? '.run/mail');
  const log = options.log ?? (() => {});
  mkdirSync(directory, { recursive: true });
  const mode = { value: 'accept' as MailSinkMode };
  let sequence = readdirSync(directory).filter((f) => f.endsWith('.eml')).length;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (mode.value === 'tempfail')
        return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
      if (mode.value === 'reject')
        return callback(Object.assign(new Error('Refused by the sink (reject mode)'), { responseCode: 554 }));
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(Object.assign(new Error('Message too large'), { responseCode: 552 }));
        const raw = Buffer.concat(chunks).toString('utf8');
        const receivedAt = new Date().toISOString();
        sequence += 1;
        const file = `${receivedAt.replace(/[:.]/g, '-')}-${String(sequence).padStart(6, '0')}.eml`;
        writeFileSync(join(directory, file), raw);
        const message = describeMessage(file, raw, receivedAt);
        log(`kept ${file}: "${message.subject}" to ${message.to}`);
        callback();
      });
    },
  });
  await new Promise<void>((resolveListen, reject) => {
    // A client gone mid-message (a sender killed, a reset connection): that message is not kept; the sink serves on.
    smtp.on('error', (error) => log(`SMTP connection failed: ${error.message}`));
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort ?? 4025, host, () => resolveListen());
  });

  const messages = (): KeptMessage[] =>
    readdirSync(directory)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((file) => {
        const path = join(directory, file);
        return describeMessage(file, readFileSync(path, 'utf8'), statSync(path).mtime.toISOString());
      });

  const http: Server = createServer(async (req, res) => {
    const route = `${req.method} ${new URL(req.url ?? '/', 'http://localhost').pathname}`;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (route === 'GET /healthz') return json(200, { status: 'ok' });
    if (route === 'GET /messages') return json(200, messages());
    if (route === 'POST /control') {
      let text = '';
      for await (const chunk of req) text += chunk;
      try {
        const next = JSON.parse(text || '{}').mode;
        if (!MODES.includes(next)) return json(400, { error: `mode is one of ${MODES.join(', ')}` });
        mode.value = next;
        log(`mode: ${next}`);
        return json(200, { mode: next });
      } catch {
        return json(400, { error: 'the body must be JSON' });
      }
    }
    json(404, { error: `no ${route}` });
  });
  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 4026, host, () => resolveListen());
  });

  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const httpPort = (http.address() as AddressInfo).port;
  return {
    smtpPort,
    httpUrl: `http://${host}:${httpPort}`,
    directory,
    mode,
    messages,
    async close() {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => smtp.close(() => r())),
        new Promise<void>((r) => http.close(() => r())),
      ]);
    },
  };
}

if (import.meta.main) {
  const sink = await startMailSink({
    smtpPort: Number(process.env.MAIL_SINK_SMTP_PORT ?? 4025),
    httpPort: Number(process.env.MAIL_SINK_HTTP_PORT ?? 4026),
    host: process.env.MAIL_SINK_HOST ?? '127.0.0.1',
    directory: process.env.MAIL_SINK_DIR,
    log: (line) => console.log(line),
  });
  console.log(
    `mail sink: SMTP on 127.0.0.1:${sink.smtpPort}; every message is kept in ${sink.directory} (listed at ${sink.httpUrl}/messages)`,
  );
  const stop = () => void sink.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Locator, type Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { graphql } from '../../../tests/support/graphql.ts';
import { newStockedProduct, restock } from '../../../tests/support/live.ts';

// The staff playground in a real browser (Debian's Chromium, which scripts/test.sh installs):
// it must load and run a query and a subscription with nothing fetched from anywhere but this machine.
const routerUrl = inject('routerUrl');
const env = inject('env');

async function staffToken(): Promise<string> {
  const response = await graphql<{ login: { token: string } }>(
    routerUrl,
    'mutation { login(email: "staff@example.com", password: "staff-password") { token } }',
  );
  return response.body.data!.login.token;
}

async function replaceText(page: Page, editor: Locator, text: string) {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // Inserted as one input, so the editor's auto-closing of brackets and quotes does not apply.
  await page.keyboard.insertText(text);
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a URL the page asked for stays on this machine (data: and blob: are in-page). */
function isLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:') return true;
  const inner = parsed.protocol === 'blob:' ? new URL(parsed.pathname) : parsed;
  return LOCAL_HOSTS.has(inner.hostname);
}

describe('the playground', () => {
  it('a browser gets GraphiQL at /graphql, runs a query typed in the editor with staff headers, shows the docs, runs a subscription over graphql-ws, and fetches nothing from outside', async () => {
    expect(existsSync('/usr/bin/chromium'), "Debian's chromium is needed (scripts/test.sh installs it as root)").toBe(
      true,
    );
    const userDataDir = mkdtempSync(join(tmpdir(), 'playground-chromium-'));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
    const requested: string[] = [];
    context.on('request', (request) => requested.push(request.url()));
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('websocket', (socket) => requested.push(socket.url()));
      const response = await page.goto(routerUrl, { waitUntil: 'load' });
      expect(response?.headers()['content-type']).toMatch(/text\/html/);
      await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('Commerce playground');

      // Type a query in the editor (Monaco), staff credentials in the headers editor, and run it.
      const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
      await editor.waitFor({ state: 'visible', timeout: 20_000 });
      await replaceText(page, editor, 'query PlaygroundProbe { me { email role } products(first: 2) { totalCount } }');
      await expect.poll(() => editor.textContent()).toContain('PlaygroundProbe');
      const headers = page.locator('.graphiql-editor-tool .monaco-editor[data-uri$="headers.json"]');
      const token = await staffToken();
      await replaceText(page, headers, JSON.stringify({ authorization: `Bearer ${token}` }));
      await page.locator('.graphiql-execute-button').click();

      const result = page.locator('.graphiql-response');
      await expect.poll(() => result.textContent(), { timeout: 15_000 }).toMatch(/"totalCount":\s*\d+/);
      expect(await result.textContent()).toMatch(/"email":\s*"staff@example.com"/);

      // The schema docs, from introspection, which is for staff: the page loaded it without
      // headers (refused), so re-fetch it with the staff headers, as the welcome text says.
      await page.getByRole('button', { name: /Re-fetch GraphQL schema/ }).click();
      await page.locator('[aria-label="Show Documentation Explorer"]').click();
      await expect.poll(() => page.locator('.graphiql-doc-explorer').textContent()).toMatch(/Product/);

      // A subscription from the same page: GraphiQL opens ws://…/graphql and sends the headers
      // editor's token with the operation; each restock then streams into the response pane (the
      // pane wraps long strings, so the product id is not matched).
      const staff = { authorization: `Bearer ${token}` };
      const productId = await newStockedProduct(routerUrl, env, staff);
      await replaceText(
        page,
        editor,
        `subscription PlaygroundLive { stockChanged(productId: "${productId}") { productId stock { available } } }`,
      );
      await expect.poll(() => editor.textContent()).toContain('PlaygroundLive');
      await page.waitForTimeout(1000); // GraphiQL reads the operation's name from the editor after a pause
      await page.locator('.graphiql-execute-button').click();
      await expect
        .poll(
          async () => {
            await restock(routerUrl, staff, productId, 1); // until the subscription is in place and hears one
            return result.textContent();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toMatch(/"stockChanged":\s*\{\s*"productId":[^}]*"stock":\s*\{\s*"available":\s*\d+/);

      expect(requested.some((url) => url.startsWith(routerUrl))).toBe(true);
      expect(requested.some((url) => url.startsWith(routerUrl.replace(/^http/, 'ws')))).toBe(true);
      expect(requested.filter((url) => !isLocal(url))).toEqual([]);
    } finally {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

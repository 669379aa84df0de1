import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

const WELCOME = `# Commerce playground: every subgraph through the router.
# Staff: sign in with the login mutation, then put the token in Headers below:
#   { "authorization": "Bearer <token>" }
# Press the run button (or Ctrl-Enter). The docs pane lists every type and field once
# the schema is re-fetched with those headers (Shift-Ctrl-R): introspection is for staff.
# Subscriptions run here too, over WebSocket, e.g.
#   subscription { stockChanged { productId stock { available } product { name } } }

{
  products(first: 5) {
    totalCount
    edges { node { name priceCents currency stock { available } } }
  }
}
`;

/**
 * GraphiQL at /graphql for a browser (GET asking for text/html), in place of Apollo's landing
 * pages, which load from a CDN. The page is self-contained: its script, styles and editor
 * workers are inlined, so nothing is fetched from anywhere but this router.
 */
export function playgroundPlugin(): ApolloServerPlugin {
  let html: string | undefined;
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return {
            html: async () =>
              (html ??= renderGraphiQL({
                title: 'Commerce playground',
                endpoint: '/graphql',
                // Subscriptions go over graphql-ws on the same URL (ws://…/graphql).
                subscriptionsProtocol: 'WS',
                isHeadersEditorEnabled: true,
                defaultEditorToolsVisibility: 'headers',
                shouldPersistHeaders: false,
                schemaDescription: true,
                defaultQuery: WELCOME,
              })),
          };
        },
      };
    },
  };
}

/** A browser asking for the playground page (Apollo answers such a GET with the landing page). */
export function asksForPlayground(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://localhost');
  return (
    url.pathname === '/graphql' && !url.searchParams.has('query') && (req.headers.accept ?? '').includes('text/html')
  );
}

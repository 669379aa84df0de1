/**
 * One bench subgraph in a process of its own: `tsx bench/gateways/subgraphs/main.ts <name> <port>`
 * (`quirks`: the tests' fifth subgraph, quirks.ts).
 * Plain node:http and graphql-js over @apollo/subgraph's schema, each distinct document parsed and
 * validated once: the subgraphs should cost the gateways under test as little of the two cores as
 * they can. GET /stats counts the GraphQL requests served (how many a gateway sent); GET /readyz
 * answers 200 (our router's readiness asks it).
 */
import { createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, execute, type GraphQLError, parse, validate } from 'graphql';
import { QUIRKS } from './quirks.ts';
import { BENCH_SUBGRAPHS, type BenchSubgraphName } from './schemas.ts';

const [name, port] = process.argv.slice(2) as [BenchSubgraphName | 'quirks', string];
const subgraph = name === 'quirks' ? QUIRKS : BENCH_SUBGRAPHS[name];
if (!subgraph || !port) throw new Error(`usage: main.ts <${Object.keys(BENCH_SUBGRAPHS).join('|')}> <port>`);
const schema = buildSubgraphSchema({ typeDefs: parse(subgraph.typeDefs), resolvers: subgraph.resolvers });

const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
function documentOf(query: string): DocumentNode | readonly GraphQLError[] {
  let known = documents.get(query);
  if (!known) {
    try {
      const document = parse(query);
      const errors = validate(schema, document);
      known = errors.length > 0 ? errors : document;
    } catch (error) {
      known = [error as GraphQLError];
    }
    documents.set(query, known);
  }
  return known;
}

let served = 0;
const server = createServer(async (req, res) => {
  if (req.method === 'GET') {
    if (req.url === '/readyz') return res.writeHead(200).end('ok');
    if (req.url === '/stats')
      return res.writeHead(200, { 'content-type': 'application/json' }).end(`{"requests":${served}}`);
    return res.writeHead(404).end();
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  served += 1;
  const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    query: string;
    variables?: Record<string, unknown>;
    operationName?: string;
  };
  const document = documentOf(query);
  const result = Array.isArray(document)
    ? { errors: document }
    : await execute({ schema, document: document as DocumentNode, variableValues: variables, operationName });
  res.writeHead(Array.isArray(document) ? 400 : 200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(result));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`${name} subgraph on http://127.0.0.1:${port}/graphql`));
process.on('SIGTERM', () => process.exit(0));

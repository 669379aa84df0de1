/**
 * The baseline: plain @apollo/gateway on @apollo/server's standalone HTTP server, as in The Guild's
 * benchmark (federation-v1/gateways/apollo-server/index.ts). `tsx apollo-gateway.ts <supergraph> <port>`.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) throw new Error('usage: apollo-gateway.ts <supergraph> <port>');
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
console.log(`@apollo/gateway ready at ${url}`);
process.on('SIGTERM', () => process.exit(0));

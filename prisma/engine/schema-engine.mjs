#!/usr/bin/env node
// Offline stand-in for Prisma's native schema engine binary, which the CLI would download from
// binaries.prisma.sh. Point PRISMA_SCHEMA_ENGINE_BINARY here (see index.ts) and the CLI spawns it:
//   schema-engine --version
//   schema-engine --datasource '{"url":…}' cli can-connect-to-database|create-database|drop-database
//   schema-engine [--datamodels <file>]… [--datasource '{"url":…}']   (JSON-RPC session on stdio)
// Commands run in @prisma/schema-engine-wasm on top of @prisma/adapter-pg; Postgres only.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { OfflinePgAdapterFactory } from './adapter-factory.mjs';
import { serveJsonRpc } from './json-rpc.mjs';
import { checkConnection, createDatabase, dropDatabase, parseDatasourceUrl } from './postgres.mjs';
import { engineVersion, openSchemaEngine, takePanicMessage } from './wasm-engine.mjs';

// Engine methods passed straight through; getDatabaseVersion, diff, evaluateDataLoss and
// createMigration need more and are defined below.
const ENGINE_METHODS = [
  'applyMigrations',
  'dbExecute',
  'debugPanic',
  'devDiagnostic',
  'diagnoseMigrationHistory',
  'ensureConnectionValidity',
  'introspect',
  'introspectSql',
  'markMigrationApplied',
  'markMigrationRolledBack',
  'reset',
  'schemaPush',
];
// Every failed request carries this code; the CLI reads the details from `data`.
const ENGINE_ERROR = 4466;
const PANIC_EXIT_CODE = 101;
// What the wasm engine says when it needs a shadow database outside the commands given a factory.
const COLD_MIGRATION_SCHEMA_CACHE = 'shadow DB must be provided through an external factory';

/** The error's Prisma code (P1001 …), the only kind of code the CLI expects. */
function prismaErrorCode(error) {
  return /^P\d{4}$/.test(error.code ?? '') ? error.code : undefined;
}

/** A log line in the native engine's format; the CLI reads `fields` of ERROR lines. */
function log(level, fields) {
  const line = { timestamp: new Date().toISOString(), level, fields, target: 'schema_engine::logger' };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

function readDatasource(argument) {
  const datasource = argument ? JSON.parse(argument) : {};
  if (!datasource.url) {
    throw new Error('The offline schema engine needs a datasource URL: set `datasource.url` in prisma.config.ts.');
  }
  if (datasource.shadowDatabaseUrl) {
    throw new Error(
      'The offline schema engine does not use `shadowDatabaseUrl`: it creates a temporary shadow database on the server of `datasource.url`. Remove the setting.',
    );
  }
  return parseDatasourceUrl(datasource.url);
}

const CLI_COMMANDS = {
  'can-connect-to-database': (datasource) => checkConnection(datasource),
  'create-database': async (datasource) => {
    const name = await createDatabase(datasource);
    process.stdout.write(`${JSON.stringify({ database_name: name })}\n`);
  },
  'drop-database': (datasource) => dropDatabase(datasource),
};

async function runCliCommand(command, datasourceArgument) {
  // The CLI skips the first stderr line and parses every later one as JSON.
  log('INFO', { message: `Starting schema engine CLI command: ${command}` });
  try {
    const run = Object.hasOwn(CLI_COMMANDS, command) ? CLI_COMMANDS[command] : undefined;
    if (!run) throw new Error(`Unknown schema engine CLI command: ${command}`);
    await run(readDatasource(datasourceArgument));
  } catch (error) {
    log('ERROR', { is_panic: false, error_code: prismaErrorCode(error), message: error.message });
    process.exitCode = 1;
  }
}

function runRpcSession(datasourceArgument, datamodelPaths) {
  let adapterFactory;
  let engineOpening;
  let shuttingDown;

  const shutDown = (exitCode) => {
    shuttingDown ??= (async () => {
      await adapterFactory?.close();
      process.exit(exitCode);
    })();
    return shuttingDown;
  };

  // Opened on the first request, as the native engine connects lazily: commands that fail
  // before that (e.g. a bad flag) must not wait for a database.
  const openEngine = () => {
    engineOpening ??= (async () => {
      const datasource = readDatasource(datasourceArgument);
      // The wasm engine reports connection failures without Prisma's error code; this check
      // makes them reach the CLI as P1001, P1003, P1000 ….
      await checkConnection(datasource);
      adapterFactory = new OfflinePgAdapterFactory(datasource);
      const datamodels = datamodelPaths.length
        ? await Promise.all(datamodelPaths.map(async (path) => [path, await readFile(path, 'utf8')]))
        : undefined;
      return openSchemaEngine({ datamodels, adapterFactory, log: (line) => process.stderr.write(`${line}\n`) });
    })();
    return engineOpening;
  };

  const handlers = Object.fromEntries(
    ENGINE_METHODS.map((method) => [method, async (params) => (await openEngine())[method](params)]),
  );
  // The CLI's params name a datasource; the wasm engine ignores them, its adapter is the datasource.
  handlers.getDatabaseVersion = async () => (await openEngine()).version();
  // evaluateDataLoss and createMigration take the schema the migrations produce from a cache that,
  // in the wasm engine, only diagnoseMigrationHistory fills through the shadow database factory;
  // on a miss they fail. Its key is the list of applied migrations, and `migrate dev` applies the
  // pending ones before these calls, so one diagnosis fills the entry they need.
  for (const method of ['evaluateDataLoss', 'createMigration']) {
    handlers[method] = async (params) => {
      const engine = await openEngine();
      try {
        return await engine[method](params);
      } catch (error) {
        if (!error.message?.includes(COLD_MIGRATION_SCHEMA_CACHE)) throw error;
        const { migrationsList, filters } = params;
        await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: true, filters });
        return engine[method](params);
      }
    };
  }
  // The native engine prints a diff through the CLI (`print`) and answers only the exit code.
  handlers.diff = async (params, cli) => {
    const { exitCode, stdout } = await (await openEngine()).diff(params);
    if (typeof stdout === 'string') await cli.call('print', { content: stdout });
    return { exitCode };
  };

  const toRpcError = (error) => {
    const panicMessage = takePanicMessage();
    if (panicMessage) {
      // A panicked wasm instance is unusable; like the native binary, exit once the reply is out.
      setImmediate(() => shutDown(PANIC_EXIT_CODE));
      return {
        code: ENGINE_ERROR,
        message: panicMessage,
        data: { is_panic: true, message: panicMessage, backtrace: error.stack },
      };
    }
    return {
      code: ENGINE_ERROR,
      message: 'An error happened. Check the data field for details.',
      data: { is_panic: false, message: error.message, error_code: prismaErrorCode(error), meta: error.meta ?? {} },
    };
  };

  // The CLI ends stdin and then sends SIGTERM when it is done with the engine.
  process.on('SIGTERM', () => shutDown(0));
  process.on('SIGINT', () => shutDown(130));
  // Some wasm failures (e.g. params of the wrong shape) throw outside the request's promise. The
  // CLI shows the last ERROR line when the engine exits with 1, so that is how they are reported.
  const crash = (error) => {
    log('ERROR', { is_panic: false, message: String(error?.message ?? error) });
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  serveJsonRpc({ handlers, toRpcError, onClose: () => shutDown(0) });
}

const { values: flags, positionals } = parseArgs({
  options: {
    datasource: { type: 'string' },
    datamodels: { type: 'string', multiple: true, default: [] },
    // Accepted because the CLI passes them; the wasm engine reads preview features from the schema.
    'enabled-preview-features': { type: 'string' },
    'extension-types': { type: 'string' },
    version: { type: 'boolean', short: 'V' },
  },
  allowPositionals: true,
});

if (flags.version) {
  process.stdout.write(`schema-engine-cli ${await engineVersion()}\n`);
} else if (positionals[0] === 'cli') {
  await runCliCommand(positionals[1], flags.datasource);
} else {
  runRpcSession(flags.datasource, flags.datamodels);
}

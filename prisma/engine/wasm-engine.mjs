// Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm, the same
// build the native binary comes from) and opens it on a driver adapter factory.
import { readFile } from 'node:fs/promises';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';

// The module reports a Rust panic's message through this global before it throws.
const panics = {
  message: undefined,
  set_message(message) {
    this.message = message;
  },
};
globalThis.PRISMA_WASM_PANIC_REGISTRY = panics;

let instantiation;

// The package's own entry imports the .wasm file as an ES module, which Node cannot do
// without a flag, so the module is instantiated here against the same JS bindings.
function instantiate() {
  instantiation ??= (async () => {
    const wasmUrl = new URL(
      'schema_engine_bg.wasm',
      import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg'),
    );
    const { instance } = await WebAssembly.instantiate(await readFile(wasmUrl), {
      './schema_engine_bg.js': bindings,
    });
    bindings.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return bindings;
  })();
  return instantiation;
}

/** The git hash of prisma-engines the wasm module was built from. */
export async function engineVersion() {
  return (await instantiate()).version();
}

/**
 * Opens the engine; it connects to the main database straight away.
 * @param {{ datamodels: [string, string][] | undefined, adapterFactory: object, log: (line: string) => void }} options
 */
export async function openSchemaEngine({ datamodels, adapterFactory, log }) {
  const { SchemaEngine } = await instantiate();
  return SchemaEngine.new({ datamodels }, log, bindMigrationAwareSqlAdapterFactory(adapterFactory));
}

/** The message of the panic behind the latest error, if that error was a panic; clears it. */
export function takePanicMessage() {
  const { message } = panics;
  panics.message = undefined;
  return message;
}

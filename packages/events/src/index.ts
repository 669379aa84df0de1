export * from './define-event.ts';
export * from './envelope.ts';
export * from './events.ts';
export * from './live.ts';
export * from './registry.ts';

// lib/rollout: the rollout state machine and in-place spec edits; pure, no I/O (re-exports only).
export * from './state';
export * from './moves';
export * from './soak';
export * from './edit';
export * from './fleet';
export * from './fleet-edit';
export * from './advance';
export * from './edit-section';
export * from './weight';

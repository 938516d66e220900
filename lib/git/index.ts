// lib/git: a thin wrapper over the git binary (re-exports only).
export * from './git';
export * from './lock';
export * from './tree';
export * from './process-identity';
export * from './commit-files';
export * from './uncommitted';

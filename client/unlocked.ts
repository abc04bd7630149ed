/**
 * Everything that only an unlocked session needs (the protocol code, the messenger, the unlocked screens),
 * loaded with a dynamic import so that the first screen (welcome or unlock) comes up with a small script.
 */
export { ed25519Backend, x25519Backend } from './services/platform.ts';
export { createSessionFactory } from './state/session.ts';
export { Shell } from './ui/Shell.tsx';

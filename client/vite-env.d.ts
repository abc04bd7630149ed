/** The build-time flags the client reads (Vite replaces `import.meta.env.VITE_*` when it bundles). */
interface ImportMetaEnv {
  readonly VITE_TINCAN_TEST_HOOKS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

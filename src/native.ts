/**
 * Loader for the optional N-API addon in native/. When it is not built the
 * pure TypeScript paths run; `synack --version` says which is active.
 */
export function nativeStatus(): string {
  return 'typescript (native addon not built)';
}

// Types for nativeBinary.mjs (a plain script, also imported by esbuild.mjs), for the TypeScript tests.
export interface NativeBinaryTarget {
  platform: string | null;
  arch: string | null;
  modules: string | null;
}
export function describeNativeBinary(file: string): NativeBinaryTarget;
export function runtimeInfo(sqliteBinary: string): {
  modules: string | null;
  node: string | null;
  platform: string | null;
  arch: string | null;
};

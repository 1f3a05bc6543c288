/** The package version, read from package.json at build time (esbuild inlines the JSON import). */
import pkg from '../package.json';

export const version: string = pkg.version;

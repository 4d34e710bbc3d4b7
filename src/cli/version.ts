// The package version, for the MCP server's implementation info and SARIF's tool.driver (esbuild inlines
// only this field of package.json).
import { version } from '../../package.json';

export const VERSION: string = version;

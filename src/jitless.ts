// Imported first by the webview page and the extension: zod 4 compiles object parsers with `new Function`
// unless told not to. In the page its probe for that is a CSP violation (script-src without
// 'unsafe-eval'); in the extension host the probe reads `navigator`, which VS Code reports as a pending
// migration error. Schemas read this setting when they are created, so it must run before any module
// that defines one.
import { z } from 'zod';

z.config({ jitless: true });

// Imported first by the page: zod 4 compiles object parsers with `new Function` unless told not to, and
// its probe for that alone is a CSP violation (script-src without 'unsafe-eval'). Schemas read this
// setting when they are created, so it must run before any module that defines one.
import { z } from 'zod';

z.config({ jitless: true });

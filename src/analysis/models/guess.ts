// Last resort of the resolution chain: the family and size written in a model id ("my-org/mistral-7b-sft",
// "llama2_7b", "qwen2.5-1.5b-math-dpo") -> the closest base of that family and size in the catalog or the
// architecture table. The result is an *assumption*: the spec carries `approximated` naming it, and the
// report says so in a diagnostic. Pure: no fs, no network.
import { modelCatalog } from './catalog';
import { architectureTable } from './architectures';
import { paramBreakdown } from './params';
import { ModelSpec } from './spec';

/** One model line: what the id says (`re`, on the lower-case name) and which bases belong to it (`base`, on ids). */
interface Line {
  name: string;
  re: RegExp;
  base: RegExp;
  /** the size to assume when the id names none (lines with one dominant size only) */
  defaultSize?: string;
}

// Order matters: the more specific spellings first (qwen2.5 before qwen2 before qwen, mixtral before mistral).
const LINES: Line[] = [
  { name: 'DeepSeek-R1 distill (Qwen2.5)', re: /r1-distill-qwen/, base: /^Qwen\/Qwen2\.5-(0\.5B|1\.5B|3B|7B|14B|32B|72B)$/i },
  { name: 'DeepSeek-R1 distill (Llama 3)', re: /r1-distill-llama/, base: /^meta-llama\/(Llama-3\.1-8B|Llama-3\.3-70B-Instruct)$/i },
  { name: 'Llama 4', re: /llama-?4/, base: /^meta-llama\/Llama-4-/i },
  { name: 'Llama 3.2', re: /llama-?3\.2|llama3_2/, base: /^meta-llama\/Llama-3\.2-/i },
  { name: 'Llama 3.1/3.3', re: /llama-?3\.[13]|llama3_[13]/, base: /^meta-llama\/(Meta-)?Llama-3\.[13]-/i },
  { name: 'Llama 3', re: /llama-?3/, base: /^meta-llama\/(Meta-Llama-3-|Llama-3\.[123]-)/i },
  { name: 'Code Llama', re: /code-?llama/, base: /^codellama\/CodeLlama-\d+b-hf$/i },
  { name: 'TinyLlama', re: /tiny-?llama/, base: /^TinyLlama\//i },
  { name: 'Llama 2', re: /llama-?2/, base: /^meta-llama\/Llama-2-/i },
  { name: 'Llama', re: /llama|vicuna|alpaca/, base: /^meta-llama\/Llama-2-|^meta-llama\/Llama-3\.1-(8|70|405)B$/i },
  { name: 'Mixtral', re: /mixtral/, base: /^mistralai\/Mixtral-/i, defaultSize: '8x7b' },
  { name: 'Mistral Nemo', re: /mistral-?nemo/, base: /^mistralai\/Mistral-Nemo-/i, defaultSize: '12b' },
  { name: 'Mistral Small', re: /mistral-?small/, base: /^mistralai\/Mistral-Small-/i, defaultSize: '24b' },
  { name: 'Mistral Large', re: /mistral-?large/, base: /^mistralai\/Mistral-Large-/i, defaultSize: '123b' },
  { name: 'Mistral', re: /mistral|zephyr|openhermes|neural-chat/, base: /^mistralai\/Mistral-7B-v0\.[13]$/i, defaultSize: '7b' },
  { name: 'Qwen3.5', re: /qwen-?3\.[56]|qwen3_5/, base: /^Qwen\/Qwen3\.5-/i },
  { name: 'Qwen3', re: /qwen-?3/, base: /^Qwen\/Qwen3-(\d+(\.\d+)?B|\d+B-A\d+B)$/i },
  { name: 'Qwen2.5', re: /qwen-?2\.5|qwen2_5|qwq/, base: /^Qwen\/(Qwen2\.5-\d+(\.\d+)?B|QwQ-32B)$/i },
  { name: 'Qwen2', re: /qwen-?2/, base: /^Qwen\/Qwen2-/i },
  { name: 'Qwen1.5', re: /qwen-?1\.5/, base: /^Qwen\/Qwen1\.5-/i },
  { name: 'Gemma 3n', re: /gemma-?3n/, base: /^google\/gemma-3n-/i },
  { name: 'Gemma 4', re: /gemma-?4/, base: /^google\/gemma-4-/i },
  { name: 'Gemma 3', re: /gemma-?3/, base: /^google\/gemma-3-\d+b-pt$/i },
  { name: 'Gemma 2', re: /gemma-?2/, base: /^google\/gemma-2-/i },
  { name: 'Gemma', re: /gemma/, base: /^google\/gemma-(2b|7b)$/i },
  { name: 'Phi-4', re: /phi-?4/, base: /^microsoft\/(phi-4|Phi-4-mini-instruct)$/i, defaultSize: '14b' },
  { name: 'Phi-3.5', re: /phi-?3\.5/, base: /^microsoft\/Phi-3\.5-/i },
  { name: 'Phi-3', re: /phi-?3/, base: /^microsoft\/Phi-3-/i },
  { name: 'Phi-2', re: /phi-?2/, base: /^microsoft\/phi-2$/i, defaultSize: '2.7b' },
  { name: 'SmolLM3', re: /smollm-?3/, base: /^HuggingFaceTB\/SmolLM3-/i, defaultSize: '3b' },
  { name: 'SmolLM2', re: /smollm-?2/, base: /^HuggingFaceTB\/SmolLM2-/i },
  { name: 'SmolLM', re: /smollm/, base: /^HuggingFaceTB\/SmolLM-/i },
  { name: 'OLMo 2', re: /olmo-?2/, base: /^allenai\/OLMo-2-/i },
  { name: 'OLMo', re: /olmo/, base: /^allenai\/OLMo-\d+B-hf$/i },
  { name: 'Falcon3', re: /falcon-?3/, base: /^tiiuae\/Falcon3-\d+B-Base$/i },
  { name: 'Falcon', re: /falcon/, base: /^tiiuae\/falcon-\d+b$/i },
  { name: 'gpt-oss', re: /gpt-?oss/, base: /^openai\/gpt-oss-/i },
  { name: 'GPT-2', re: /gpt-?2/, base: /^openai-community\/gpt2/i },
  { name: 'GPT-J', re: /gpt-?j/, base: /^EleutherAI\/gpt-j-/i, defaultSize: '6b' },
  { name: 'Pythia', re: /pythia/, base: /^EleutherAI\/pythia-[\d.]+[mb]$/i },
  { name: 'OPT', re: /(^|[^a-z])opt-\d/, base: /^facebook\/opt-/i },
  { name: 'BLOOM', re: /bloom/, base: /^bigscience\/bloom/i },
  { name: 'StarCoder2', re: /starcoder-?2/, base: /^bigcode\/starcoder2-/i },
  { name: 'Yi', re: /(^|[^a-z])yi-/, base: /^01-ai\/Yi-/i },
  { name: 'InternLM2', re: /internlm-?2/, base: /^internlm\/internlm2_5-7b-chat$/i, defaultSize: '7b' },
  { name: 'Granite', re: /granite/, base: /^ibm-granite\/granite-3\.[01]-\d+b-(base|instruct)$/i },
  // DeepSeek LLM / Coder / Math v1 are LlamaForCausalLM (deepseek-coder-6.7b: hidden 4096, 32 layers, MLP 11008)
  {
    name: 'DeepSeek LLM/Coder/Math (Llama architecture)',
    re: /deepseek-(coder|math|llm)(?!-v2)/,
    base: /^meta-llama\/Llama-2-(7b|13b|70b)-hf$|^codellama\/CodeLlama-34b-hf$/i,
  },
  { name: 'StarCoder / SantaCoder', re: /starcoder(base)?(?!-?2)|santacoder/, base: /^bigcode\/(gpt_bigcode-santacoder|starcoder)$/i },
  { name: 'Qwen (v1)', re: /qwen-(\d|[0-9_]+b)/, base: /^Qwen\/Qwen-/i },
  { name: 'DeepSeek-V3', re: /deepseek-?v3|deepseek-?r1(?!-distill)/, base: /^deepseek-ai\/DeepSeek-V3$/i, defaultSize: '671b' },
  { name: 'DeepSeek-V2', re: /deepseek-?v2/, base: /^deepseek-ai\/DeepSeek-V2-Lite$/i, defaultSize: '16b' },
  { name: 'Baichuan 2', re: /baichuan/, base: /^baichuan-inc\//i },
  { name: 'MPT', re: /(^|[^a-z])mpt-/, base: /^mosaicml\/mpt-/i },
  { name: 'Command R', re: /command-?r|c4ai/, base: /^CohereForAI\/c4ai-command-r/i },
  { name: 'T5 v1.1 / Flan-T5', re: /flan-?t5|t5-v1_1/, base: /^google\/t5-v1_1-/i },
  { name: 'T5', re: /(^|[^a-z])t5-/, base: /^google-t5\/t5-/i },
  { name: 'ModernBERT', re: /modernbert/, base: /^answerdotai\/ModernBERT-/i, defaultSize: '149m' },
  { name: 'DeBERTa v3', re: /deberta/, base: /^microsoft\/deberta-v3-base$/i, defaultSize: '184m' },
  { name: 'RoBERTa', re: /roberta/, base: /^FacebookAI\/roberta-base$/i },
  { name: 'BERT', re: /(^|[^a-z])bert/, base: /^google-bert\/bert-base-uncased$/i },
];

/** Size words, as people write them: 7b, 1.5B, 0_5b (torchtune builders), 135m, 8x7b, 30b-a3b, e4b. */
export interface SizeTokens {
  /** total parameters the name says, in billions (8x7b: 8 x 7) */
  billions?: number;
  /** the literal tokens, lower case, for exact matching against a base's name ("8x7b", "a3b", "e4b", "7b") */
  tokens: string[];
}

export function sizeTokens(name: string): SizeTokens {
  const s = name.toLowerCase();
  const tokens: string[] = [];
  let billions: number | undefined;
  const re = /(?:^|[^a-z0-9.])(?:(\d+)x)?(\d+(?:[._]\d+)?)([bm])(?![a-z0-9])/g;
  for (let m; (m = re.exec(s));) {
    const experts = m[1] ? Number(m[1]) : 1;
    const value = Number(m[2].replace('_', '.'));
    if (!Number.isFinite(value) || value <= 0) continue;
    const b = (m[3] === 'm' ? value / 1000 : value) * experts;
    tokens.push(`${m[1] ? `${m[1]}x` : ''}${m[2].replace('_', '.')}${m[3]}`);
    billions ??= b; // the first size word is the total (30b-a3b: 30b)
  }
  // MoE active sizes and Gemma 3n effective sizes, matched as tokens only
  for (const m of s.matchAll(/(?:^|[^a-z0-9])([ae]\d+(?:\.\d+)?b)(?![a-z0-9])/g)) tokens.push(m[1]);
  // encoder and GPT-2 sizes are words (t5-large, gpt2-medium, phi-3-mini): matched as tokens only
  if (billions === undefined) for (const m of s.matchAll(/(?:^|[^a-z])(tiny|mini|small|base|medium|large|xl|xxl)(?![a-z])/g)) tokens.push(m[1]);
  return { billions, tokens };
}

interface Candidate {
  spec: ModelSpec;
  billions: number;
  tokens: string[];
  catalog: boolean;
}

let pool: Candidate[] | undefined;
function candidates(): Candidate[] {
  if (!pool) {
    const seen = new Set<string>();
    pool = [];
    const add = (spec: ModelSpec, catalog: boolean) => {
      const key = spec.id.toLowerCase();
      if (seen.has(key)) return;
      seen.add(key);
      const total = spec.publishedParams ?? paramBreakdown(spec).total;
      pool!.push({ spec, billions: total / 1e9, tokens: sizeTokens(spec.id.split('/').pop()!).tokens, catalog });
    };
    for (const m of modelCatalog()) add(m, true);
    for (const b of architectureTable().bases) add(b.spec, false);
  }
  return pool;
}

export interface Guess {
  spec: ModelSpec;
  /** the model line the name was read as */
  line: string;
  /** what the name said about the size ("7b"), or the line's default */
  size: string;
  /** one sentence for the diagnostic */
  assumption: string;
}

/** Lower-cased last path segment of a reference, without a trailing slash. */
function bare(ref: string): string {
  const s = ref
    .trim()
    .replace(/[\\/]+$/, '')
    .toLowerCase();
  return s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1);
}

/**
 * The closest base of the family and size the name states, or a reason why none is close enough. Names a size
 * must match within 30% (or exactly by its token: 8x7b, a3b, e4b); a line with one dominant size (Mistral,
 * Mixtral, Phi-4) assumes it when the name gives none.
 */
export function guessFromName(ref: string): Guess | { reason: string } {
  if (typeof ref !== 'string' || !ref.trim()) return { reason: 'no model id given' };
  const name = bare(ref);
  // a torchtune builder or path keeps the family in an earlier segment ("torchtune.models.llama2.llama2_7b")
  const whole = ref.trim().toLowerCase();
  const line = LINES.find((l) => l.re.test(name)) ?? LINES.find((l) => l.re.test(whole));
  if (!line) return { reason: `the name "${ref}" names no model family VRAM Lens knows` };
  const size = sizeTokens(name).billions !== undefined ? sizeTokens(name) : sizeTokens(whole);
  const members = candidates().filter((c) => line.base.test(c.spec.id));
  if (!members.length) return { reason: `no ${line.name} base is bundled` };
  let sizeWord = size.tokens[0];
  let wanted = size.billions;
  const byToken = size.tokens.length ? members.filter((c) => size.tokens.every((t) => c.tokens.includes(t))) : [];
  if (!byToken.length && wanted === undefined) {
    if (size.tokens.length) {
      const have = members.map((c) => c.spec.id.split('/').pop()).join(', ');
      return { reason: `"${ref}" reads as ${line.name} ${size.tokens.join(' ')}, but no bundled ${line.name} base has that size (${have})` };
    }
    if (!line.defaultSize) return { reason: `"${ref}" reads as ${line.name} but names no size (such as 7B)` };
    sizeWord = line.defaultSize;
    wanted = sizeTokens(line.defaultSize).billions!;
  }
  let pick: Candidate | undefined;
  if (byToken.length) pick = byToken.find((c) => c.catalog) ?? byToken[0];
  else {
    const scored = members
      .map((c) => ({ c, d: Math.abs(Math.log(c.billions / wanted!)) }))
      .sort((a, b) => a.d - b.d || Number(b.c.catalog) - Number(a.c.catalog));
    if (scored[0] && scored[0].d <= Math.log(1.3)) pick = scored[0].c;
  }
  if (!pick) {
    const sizes = [...new Set(members.map((c) => `${c.billions < 1 ? `${Math.round(c.billions * 1000)}M` : `${Number(c.billions.toPrecision(3))}B`}`))].join(
      ', ',
    );
    return {
      reason: `"${ref}" reads as ${line.name} ${sizeWord?.toUpperCase() ?? ''}, but no bundled ${line.name} base is within 30% of that size (${sizes})`,
    };
  }
  const usual = !byToken.length && size.billions === undefined;
  const assumption = `"${ref}" is not a known id: the shapes of ${pick.spec.id} are assumed from its name (${line.name}, ${sizeWord?.toUpperCase()}${usual ? ", the line's usual size" : ''})`;
  return { spec: pick.spec, line: line.name, size: sizeWord ?? '', assumption };
}

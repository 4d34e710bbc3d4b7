// The editor's *Measure on This Machine* before anything runs (src/measure/launch.ts): the command it
// proposes for a file, the words of an edited command line, and the probe's place on PYTHONPATH.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { commandProblem, proposeCommand, shellWords, terminalProbeEnv, withProbeInCommand } from '../../src/measure/launch';

const ws = path.resolve('/ws');
const file = (rel: string) => path.join(ws, ...rel.split('/'));

describe('Measure on This Machine: the proposed command', () => {
  const base = { cwd: ws, kind: 'python' as const, framework: 'transformers' as const, launchScripts: [], launchConfigs: [] };

  it('runs the workspace script that launches the file, when the launcher rules found one', () => {
    const p = proposeCommand({ ...base, fileAbs: file('train.py'), launchScripts: [file('scripts/run 8gpu.sh')] });
    assert.equal(p.command, "bash 'scripts/run 8gpu.sh'");
    assert.match(p.source, /scripts\/run 8gpu\.sh launches this file/);
  });

  it('else a Python launch configuration whose program is the file, with its arguments', () => {
    const p = proposeCommand({
      ...base,
      fileAbs: file('train.py'),
      launchConfigs: [
        { name: 'Other', type: 'debugpy', request: 'launch', program: '${workspaceFolder}/other.py' },
        {
          name: 'Train',
          type: 'debugpy',
          request: 'launch',
          program: '${workspaceFolder}/train.py',
          args: ['--config', '${workspaceFolder}/cfg.yaml', '--lr', '1e-4'],
        },
      ],
    });
    assert.equal(p.command, 'python train.py --config cfg.yaml --lr 1e-4');
    assert.match(p.source, /launch configuration "Train"/);
  });

  it('a launch configuration that runs a module with the file as its argument counts too', () => {
    const p = proposeCommand({
      ...base,
      kind: 'yaml',
      framework: 'unknown',
      fileAbs: file('cfg.yaml'),
      launchConfigs: [{ name: 'M', type: 'python', module: 'my_trainer', args: '${file} --steps 10' }],
    });
    assert.equal(p.command, 'python -m my_trainer cfg.yaml --steps 10');
  });

  it("else the framework's own launcher for a config, and python for a script", () => {
    assert.equal(proposeCommand({ ...base, kind: 'yaml', framework: 'axolotl', fileAbs: file('cfg/a.yml') }).command, 'axolotl train cfg/a.yml');
    assert.equal(proposeCommand({ ...base, kind: 'yaml', framework: 'llama-factory', fileAbs: file('lf.yaml') }).command, 'llamafactory-cli train lf.yaml');
    assert.equal(proposeCommand({ ...base, kind: 'yaml', framework: 'trl', fileAbs: file('sft.yaml') }).command, 'trl sft --config sft.yaml');
    assert.equal(proposeCommand({ ...base, fileAbs: file('my train.py') }).command, "python 'my train.py'");
  });

  it('leaves a placeholder where it cannot know (a torchtune recipe), and refuses to run it until replaced', () => {
    const p = proposeCommand({ ...base, kind: 'yaml', framework: 'torchtune', fileAbs: file('tt.yaml') });
    assert.equal(p.command, 'tune run <recipe> --config tt.yaml');
    assert.equal(commandProblem(p.command), 'Replace <recipe> with the real value.');
    assert.equal(commandProblem('tune run lora_finetune_single_device --config tt.yaml'), undefined);
    assert.match(commandProblem('  ')!, /Enter the command/);
    assert.match(commandProblem('a\nb')!, /One line/);
  });
});

describe('Measure on This Machine: the command line', () => {
  it('splits words as sh does: quotes, escapes, no expansion', () => {
    assert.deepEqual(shellWords(`HF_TOKEN=x python  "my train.py" --name 'a b' c\\ d "q\\"x" $HOME`), [
      'HF_TOKEN=x',
      'python',
      'my train.py',
      '--name',
      'a b',
      'c d',
      'q"x',
      '$HOME',
    ]);
    assert.deepEqual(shellWords(`''`), ['']);
  });

  it('keeps the probe first when the command sets PYTHONPATH itself', () => {
    const probe = path.join('/ext', 'dist', 'probe');
    assert.equal(withProbeInCommand('PYTHONPATH=src python train.py', probe), `PYTHONPATH=${probe}${path.delimiter}src python train.py`);
    assert.equal(
      withProbeInCommand('CUDA_VISIBLE_DEVICES=0 PYTHONPATH="a b" python t.py', probe),
      `CUDA_VISIBLE_DEVICES=0 PYTHONPATH=${probe}${path.delimiter}"a b" python t.py`,
    );
    assert.equal(withProbeInCommand('python train.py PYTHONPATH=x', probe), 'python train.py PYTHONPATH=x', 'not an assignment of the command');
  });

  it("gives the terminal the probe's variables: probe first on PYTHONPATH, the folder to write to, the steps", () => {
    assert.deepEqual(terminalProbeEnv('/a', '/probe', '/out', 4), {
      PYTHONPATH: ['/probe', '/a'].join(path.delimiter),
      VRAM_LENS_PROBE_DIR: '/out',
      VRAM_LENS_PROBE_STEPS: '4',
      VRAM_LENS_PROBE_REQUIRE_DIR: '1',
    });
    assert.equal(terminalProbeEnv(undefined, '/probe', '/out', 3).PYTHONPATH, '/probe');
  });
});

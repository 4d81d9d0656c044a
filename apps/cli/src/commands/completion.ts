/** `llamats completion bash|zsh`: a completion script generated from the command definitions. */
import type { Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

function flagsOf(o: Option): string[] {
  return [o.long, o.short].filter((f): f is string => !!f);
}

export function bashCompletion(program: Command): string {
  const commands = program.commands.map((c) => c.name());
  const cases = program.commands
    .map((c) => `    ${c.name()}) opts="${[...c.options.flatMap(flagsOf), '--help'].join(' ')}" ;;`)
    .join('\n');
  return `# llamats bash completion: eval "$(llamats completion bash)" (e.g. in ~/.bashrc)
_llamats() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [[ \${COMP_CWORD} -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${commands.join(' ')} --help --version" -- "$cur") )
    return
  fi
  local opts=""
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -o bashdefault -F _llamats llamats
`;
}

/** Text safe inside a zsh `_arguments` spec. */
const zshText = (s: string) =>
  s
    .replace(/[[\]:'\\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

export function zshCompletion(program: Command): string {
  const commands = program.commands.map((c) => `    '${c.name()}:${zshText(c.description())}'`).join('\n');
  const cases = program.commands
    .map((c) => {
      const specs = c.options.flatMap((o) =>
        flagsOf(o).map(
          (f) =>
            `'${f}[${zshText(o.description)}]${o.required || o.optional ? `:${zshText(o.flags.split(/[<[]/)[1]?.replace(/[>\]]/g, '') ?? 'value')}:` : ''}'`,
        ),
      );
      return `    ${c.name()}) _arguments ${[...specs, "'*:file:_files'"].join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef llamats
# llamats zsh completion: eval "$(llamats completion zsh)" (e.g. in ~/.zshrc, after compinit)
_llamats() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  words=(\${words[2,-1]})
  (( CURRENT-- ))
  case $words[1] in
${cases}
  esac
}
compdef _llamats llamats
`;
}

export function registerCompletion(
  program: Command,
  run: (fn: (ctx: CommandContext) => Promise<void>) => Promise<void>,
): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash | zsh')
    .addHelpText(
      'after',
      '\nExamples:\n  eval "$(llamats completion bash)"   # in ~/.bashrc\n  eval "$(llamats completion zsh)"    # in ~/.zshrc, after compinit',
    )
    .action((shell: string) =>
      run(async (ctx) => {
        if (shell === 'bash') ctx.stdout.write(bashCompletion(program));
        else if (shell === 'zsh') ctx.stdout.write(zshCompletion(program));
        else throw new UsageError(`Unknown shell "${shell}"; choose bash or zsh`);
      }),
    );
}

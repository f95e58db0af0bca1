/**
 * The one place a command line for a remote shell is built. An SSH `exec`
 * request carries a single string that the remote user's login shell parses, so
 * every argument is wrapped in single quotes — inside them a POSIX shell treats
 * every byte literally except `'` itself, which is closed, escaped and reopened
 * (`'\''`). NUL cannot be carried in a C string at all and is refused.
 * Words of only safe characters stay bare for readable audit records; `=` is
 * not among them (a bare `A=b` first word would be an assignment), nor `~`.
 * The remote login shell must be POSIX (sh, dash, bash, zsh), not fish or csh.
 */
export function posixQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('an argument cannot contain a NUL byte');
  if (arg !== '' && /^[A-Za-z0-9_@%+:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** An argv array as one exec string for a POSIX shell: each element quoted, joined by spaces. */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('an empty argv cannot be run');
  return argv.map(posixQuote).join(' ');
}

/** Terminal styling: colours only when writing to a TTY (and NO_COLOR is not set). */
export function styler(isTty: boolean) {
  const on = isTty && !process.env.NO_COLOR;
  const wrap = (code: number) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    bold: wrap(1),
    dim: wrap(2),
    green: wrap(32),
    red: wrap(31),
    yellow: wrap(33),
    cyan: wrap(36),
    enabled: on,
  };
}
